using MoeOperator.Hosting;

namespace MoeOperator.Tests.Hosting;

public sealed class OperatorFlagsTests
{
    [Fact]
    public void Defaults_AreKubebuildersAndLeaderElectionIsOffUnlessAsked()
    {
        var options = new OperatorFlags().ToOptions("team-a", "me");

        options.MetricsAddress!.Port.ShouldBe(8080);
        options.ProbeAddress!.Port.ShouldBe(8081);
        options.LeaderElection.ShouldBeNull();
        options.Namespaces.ShouldBeEmpty();
    }

    [Fact]
    public void LeaderElection_TakesTheFlagsTimingsAndTheDefaultNamespace()
    {
        var options = new OperatorFlags { LeaderElect = true, LeaderElectionLeaseDuration = "30s", LeaderElectionRenewDeadline = "20s", LeaderElectionRetryPeriod = "500ms" }
            .ToOptions("team-a", "operator-0");

        var election = options.LeaderElection.ShouldNotBeNull();
        election.Namespace.ShouldBe("team-a");
        election.Identity.ShouldBe("operator-0");
        election.LeaseName.ShouldBe("moe-operator-leader");
        election.LeaseDuration.ShouldBe(TimeSpan.FromSeconds(30));
        election.RenewDeadline.ShouldBe(TimeSpan.FromSeconds(20));
        election.RetryPeriod.ShouldBe(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void MetricsCanBeTurnedOff_AndNamespacesAreDeduplicated()
    {
        var options = new OperatorFlags { MetricsBindAddress = "0", Namespaces = ["a", "b", "a"] }.ToOptions("default", "me");

        options.MetricsAddress.ShouldBeNull();
        options.Namespaces.ShouldBe(["a", "b"]);
    }

    [Theory]
    [InlineData("--leader-election-lease-duration", "LeaseDuration", "fifteen")]
    [InlineData("--leader-election-renew-deadline", "RenewDeadline", "15s")]
    [InlineData("--leader-election-retry-period", "RetryPeriod", "10s")]
    [InlineData("--kube-api-qps", "Qps", "0")]
    [InlineData("--kube-api-burst", "Burst", "0")]
    [InlineData("--metrics-bind-address", "Metrics", "localhost:80")]
    [InlineData("--health-probe-bind-address", "Probes", "8081")]
    [InlineData("--namespace", "Namespace", "Team_A")]
    public void BadFlags_AreRejectedNamingTheFlag(string flag, string field, string value)
    {
        var flags = field switch
        {
            "LeaseDuration" => new OperatorFlags { LeaderElectionLeaseDuration = value },
            "RenewDeadline" => new OperatorFlags { LeaderElectionRenewDeadline = value },
            "RetryPeriod" => new OperatorFlags { LeaderElectionRetryPeriod = value },
            "Qps" => new OperatorFlags { KubeApiQps = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            "Burst" => new OperatorFlags { KubeApiBurst = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            "Metrics" => new OperatorFlags { MetricsBindAddress = value },
            "Probes" => new OperatorFlags { HealthProbeBindAddress = value },
            _ => new OperatorFlags { Namespaces = [value] },
        };

        var error = Should.Throw<ArgumentException>(() => flags.ToOptions("default", "me"));

        error.Message.ShouldStartWith(flag);
        error.Message.ShouldContain(value);
    }
}
