using MoeOperator.Benchmarks.Scale;

namespace MoeOperator.Tests.Scale;

/// <summary>
/// The benchmark's scale run, small: 20 groups of 5 pods filling every GPU of 10 simulated nodes, the shipped
/// operator as a process of its own. Counts only, never times: every group Running, every pod Ready, no node over
/// its GPUs, no reconcile error, and a restarted operator writes nothing while reconciling settled groups.
/// </summary>
public sealed class ScaleRunTests
{
    [Fact]
    public async Task GroupsFillingTheCluster_AllBecomeReady_WithoutOverCommit_AndASettledResyncWritesNothing()
    {
        var options = new ScaleOptions { Groups = 20, PodsPerGroup = 5, Nodes = 10, GpusPerNode = 10, Limit = TimeSpan.FromMinutes(4) };
        using var progress = new StringWriter();

        var report = await ScaleRun.RunAsync(options, progress, CancellationToken.None);

        report.AllReadySeconds.ShouldNotBeNull($"not every group became Ready:\n{report.ToMarkdown()}\n{progress}");
        report.GroupsRunning.ShouldBe(20);
        report.PodsCreated.ShouldBe(100);
        report.PodsReady.ShouldBe(100);
        report.OverCommittedNodes.ShouldBe(0);
        report.ReconcileErrors.ShouldBe(0);
        report.ResyncReconciles.ShouldBeGreaterThanOrEqualTo(20);
        report.ResyncWrites.ShouldBe(0, report.ToMarkdown());
        report.Requests["POST"].ShouldBeGreaterThanOrEqualTo(report.ChildObjects, "every child was created by the operator");
    }
}
