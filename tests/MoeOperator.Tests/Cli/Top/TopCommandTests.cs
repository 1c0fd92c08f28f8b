using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli.Top;

/// <summary>moe top's flags: a bad one fails in one line naming it, before any cluster is asked.</summary>
public sealed class TopCommandTests
{
    private static ProcessResult Top(params string[] arguments) =>
        Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moe.dll"), "top", .. arguments]);

    [Fact]
    public void AnIntervalThatIsNoDuration_OrNotPositive_IsRefusedNamingTheFlag()
    {
        var word = Top("--watch", "--interval", "soon");
        var zero = Top("--watch", "--interval", "0s");
        var missing = Top("--kubeconfig", "/nonexistent/kubeconfig");
        var everywhere = Top("-A", "--heatmap", "ep", "--interval", "500ms", "--kubeconfig", "/nonexistent/kubeconfig");

        word.ExitCode.ShouldBe(2);
        word.Stderr.Trim().ShouldBe("moe top: --interval: 'soon' is not a duration: write it like 30s, 5m or 1h30m");
        zero.ExitCode.ShouldBe(2);
        zero.Stderr.ShouldContain("--interval must be positive");
        missing.ExitCode.ShouldBe(1);
        missing.Stderr.ShouldStartWith("moe top: cannot read the kubeconfig:");
        everywhere.ExitCode.ShouldBe(1, "500ms is a duration; the kubeconfig is what is missing");
    }
}
