using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

/// <summary><c>moe plan chains</c> run as users run it: a process with flags, JSON on stdout, errors on stderr.</summary>
public sealed class PlanChainsTests
{
    private static ProcessResult Moe(params string[] arguments) =>
        Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moe.dll"), "plan", "chains", .. arguments]);

    [Fact]
    public void PrintsChainsInUpstreamNumbering_WithTheTableOrderAndThePairSpread()
    {
        var result = Moe("--nodes", "5", "--disks", "16", "--targets-per-disk", "6", "--replication", "3", "--stripe-size", "16");

        result.ExitCode.ShouldBe(0, result.Stderr);
        var report = JsonNode.Parse(result.Stdout)!.AsObject();
        var chains = report["chains"]!.AsArray();
        chains.Count.ShouldBe(160, "5 nodes x 16 disks x 6 targets / 3 replicas");
        var first = chains[0]!;
        ((long)first["id"]!).ShouldBe(900100001);
        first["targets"]!.AsArray().Select(t => (int)t!["node"]!).ShouldBeUnique();
        first["targets"]!.AsArray().ShouldAllBe(t => (int)t!["disk"]! == 0);
        report["chainTable"]!.AsArray().Select(id => (long)id!).ShouldBe(chains.Select(c => (long)c!["id"]!));
        report["nodes"]!.AsArray().Select(n => (int)n!).ShouldBe([10001, 10002, 10003, 10004, 10005]);
        var pairs = report["summary"]!["chainsPerNodePair"]!;
        // 160 chains of 3 share 480 node pairs among 10 pairs: 48 each, the balanced design.
        ((int)pairs["min"]!).ShouldBe(48);
        ((int)pairs["spread"]!).ShouldBe(0);
        ((int)report["summary"]!["headsPerNode"]!["spread"]!).ShouldBe(0, "160 heads over 5 nodes: 32 each");
    }

    [Fact]
    public void AnImpossibleRequest_ExitsTwo_AndSaysWhatToChange()
    {
        var result = Moe("--nodes", "2", "--disks", "4", "--targets-per-disk", "6", "--replication", "3");

        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldContain("moe plan chains: replication factor 3 needs at least 3 storage nodes, one per replica of a chain; got 2: add storage nodes or lower the replication factor");
    }

    [Fact]
    public void AStripeWiderThanTheTable_IsRefused()
    {
        var result = Moe("--nodes", "3", "--disks", "1", "--targets-per-disk", "2", "--stripe-size", "16");

        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldContain("stripe size 16 must be between 1 and the 2 chains in the table");
    }
}
