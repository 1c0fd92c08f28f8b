using System.Globalization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Leadership;

namespace MoeOperator.Hosting;

/// <summary>
/// The flags of <c>moe operator</c> as given (kubebuilder's names, which the chart passes), and their checked
/// meaning. <see cref="ToOptions"/> throws <see cref="ArgumentException"/> naming the flag and the fix.
/// </summary>
internal sealed record OperatorFlags
{
    public string? Kubeconfig { get; init; }

    public string MetricsBindAddress { get; init; } = ":8080";

    public string HealthProbeBindAddress { get; init; } = ":8081";

    public bool LeaderElect { get; init; }

    public string? LeaderElectionNamespace { get; init; }

    public string LeaderElectionId { get; init; } = "moe-operator-leader";

    public string LeaderElectionLeaseDuration { get; init; } = "15s";

    public string LeaderElectionRenewDeadline { get; init; } = "10s";

    public string LeaderElectionRetryPeriod { get; init; } = "2s";

    public double KubeApiQps { get; init; } = 50;

    public int KubeApiBurst { get; init; } = 100;

    public string? WorkerImage { get; init; }

    public string LogLevel { get; init; } = "info";

    public string LogFormat { get; init; } = "json";

    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>The runtime's options; <paramref name="defaultNamespace"/> holds the lease when no flag names a namespace.</summary>
    public OperatorOptions ToOptions(string defaultNamespace, string identity)
    {
        var lease = Duration(LeaderElectionLeaseDuration, "--leader-election-lease-duration");
        var renew = Duration(LeaderElectionRenewDeadline, "--leader-election-renew-deadline");
        var retry = Duration(LeaderElectionRetryPeriod, "--leader-election-retry-period");
        if (renew >= lease)
        {
            throw new ArgumentException($"--leader-election-renew-deadline ({LeaderElectionRenewDeadline}) must be shorter than --leader-election-lease-duration ({LeaderElectionLeaseDuration}), or a leader could lose the lease while still renewing");
        }

        if (retry >= renew)
        {
            throw new ArgumentException($"--leader-election-retry-period ({LeaderElectionRetryPeriod}) must be shorter than --leader-election-renew-deadline ({LeaderElectionRenewDeadline}), so a leader retries at least once before giving up");
        }

        if (KubeApiQps <= 0 || double.IsNaN(KubeApiQps))
        {
            throw new ArgumentException($"--kube-api-qps ({KubeApiQps.ToString(CultureInfo.InvariantCulture)}) must be a positive number of requests per second, for example 50");
        }

        if (KubeApiBurst < 1)
        {
            throw new ArgumentException($"--kube-api-burst ({KubeApiBurst}) must be at least 1, for example 100");
        }

        foreach (var ns in Namespaces)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(ns, Patterns.DnsLabel))
            {
                throw new ArgumentException($"--namespace '{ns}' is not a namespace name: lower-case letters, digits and '-', starting and ending with a letter or digit");
            }
        }

        return new OperatorOptions
        {
            MetricsAddress = Address(MetricsBindAddress, "--metrics-bind-address"),
            ProbeAddress = Address(HealthProbeBindAddress, "--health-probe-bind-address"),
            Namespaces = [.. Namespaces.Distinct(StringComparer.Ordinal)],
            LeaderElection = LeaderElect
                ? new LeaderElectionOptions(LeaderElectionNamespace ?? defaultNamespace, LeaderElectionId, identity)
                {
                    LeaseDuration = lease,
                    RenewDeadline = renew,
                    RetryPeriod = retry,
                }
                : null,
        };
    }

    private static TimeSpan Duration(string text, string flag)
    {
        try
        {
            var value = Durations.Parse(text);
            return value > TimeSpan.Zero ? value : throw new FormatException($"'{text}' is zero");
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{flag}: {e.Message}; give a positive duration such as 15s", e);
        }
    }

    private static System.Net.IPEndPoint? Address(string text, string flag)
    {
        try
        {
            return BindAddress.Parse(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{flag}: {e.Message}", e);
        }
    }
}
