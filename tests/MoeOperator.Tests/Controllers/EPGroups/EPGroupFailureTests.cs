using System.Text.Json.Nodes;
using MoeOperator.Controllers.EPGroups;

namespace MoeOperator.Tests.Controllers.EPGroups;

public sealed class EPGroupFailureTests
{
    private static JsonObject Pod(string name, string phase, int? attempt, bool deleting = false)
    {
        var labels = new JsonObject();
        if (attempt is { } a)
        {
            labels[EPGroupNames.AttemptLabel] = a.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var metadata = new JsonObject { ["name"] = name, ["labels"] = labels };
        if (deleting)
        {
            metadata["deletionTimestamp"] = "2026-12-02T10:00:00Z";
        }

        return new JsonObject { ["metadata"] = metadata, ["status"] = new JsonObject { ["phase"] = phase } };
    }

    [Fact]
    public void OnlyAFailedPodOfTheCurrentAttempt_NotBeingDeleted_IsAFailure()
    {
        // The previous attempt's pod failed when its peers went away; the current attempt's pod the operator is
        // stopping failed too: neither is a new failure, so one kill costs one restart.
        List<JsonObject> pods = [Pod("g-0", "Failed", attempt: 1), Pod("g-1", "Failed", attempt: 2, deleting: true), Pod("g-2", "Running", attempt: 2)];

        EPGroupFailure.FailedPod(pods, attempt: 2).ShouldBeNull();

        pods.Add(Pod("g-3", "Failed", attempt: 2));
        ((string?)EPGroupFailure.FailedPod(pods, attempt: 2)!["metadata"]!["name"]).ShouldBe("g-3");
        ((string?)EPGroupFailure.FailedPod([Pod("old", "Failed", attempt: null)], attempt: 2)!["metadata"]!["name"]).ShouldBe("old", "a pod made before the label existed belongs to the current attempt");
    }

    [Fact]
    public void LogExcerpt_PutsTheExceptionsMessageFirst_WhenNativeFramesFollowIt()
    {
        var lines = new List<string> { "ep: rank 2 step 40", "Unhandled exception. System.Runtime.InteropServices.ExternalException (0x80004005): index_add_(): Number of indices (7) should be equal to source.size(dim) (9)", "Exception raised from index_add_ at /pytorch/aten/src/ATen/native/TensorAdvancedIndexing.cpp:845" };
        lines.AddRange(Enumerable.Range(0, 60).Select(i => $"frame #{i}: 0x7f00 in libtorch_cpu.so"));
        lines.AddRange(["   at TorchSharp.torch.CheckForErrors()", "   at MoeOperator.Worker.Moe.MoeLayer.RunExperts()"]);

        var excerpt = EPGroupFailure.LogExcerpt(lines);

        excerpt.Count.ShouldBeLessThanOrEqualTo(20);
        excerpt[0].ShouldStartWith("Unhandled exception. System.Runtime.InteropServices.ExternalException (0x80004005): index_add_()");
        excerpt.ShouldContain("...");
        excerpt[^1].ShouldBe("   at MoeOperator.Worker.Moe.MoeLayer.RunExperts()");
        EPGroupFailure.LogExcerpt(["short", "log"]).ShouldBe(["short", "log"]);
    }

    [Fact]
    public void APodTheKubeletRefused_IsAPlacementFailureAtOnce_AndAnUnschedulableOneAfterItsGrace()
    {
        var now = DateTimeOffset.Parse("2026-12-02T10:00:10Z", System.Globalization.CultureInfo.InvariantCulture);
        var refused = Pod("g-1", "Failed", attempt: 0);
        refused["spec"] = new JsonObject { ["nodeName"] = "dev-node-3" };
        refused["status"]!["reason"] = "UnexpectedAdmissionError";
        refused["status"]!["message"] = "Allocate failed due to requested number of devices unavailable for nvidia.com/gpu. Requested: 8, Available: 0, which is unexpected";

        var rejected = EPGroupFailure.Misplaced([Pod("g-0", "Running", attempt: 0), refused], now, TimeSpan.FromSeconds(10)).ShouldNotBeNull();
        rejected.Final.ShouldBeTrue();
        rejected.Node.ShouldBe("dev-node-3");
        rejected.Message.ShouldBe("pod g-1 was refused by the kubelet of dev-node-3 (UnexpectedAdmissionError: Allocate failed due to requested number of devices unavailable for nvidia.com/gpu. Requested: 8, Available: 0, which is unexpected)");
        EPGroupFailure.Misplaced([Pod("g-0", "Failed", attempt: 0)], now, TimeSpan.FromSeconds(10)).ShouldBeNull("a rank that ran and failed is a rank failure, not a placement failure");

        var pending = Pod("g-2", "Pending", attempt: 0);
        pending["spec"] = new JsonObject { ["affinity"] = JsonNode.Parse("""{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["dev-node-0"]}]}]}}}""") };
        pending["status"]!["conditions"] = JsonNode.Parse("""[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/4 nodes are available: 1 Insufficient nvidia.com/gpu.","lastTransitionTime":"2026-12-02T10:00:04Z"}]""");
        var waiting = EPGroupFailure.Misplaced([pending], now, TimeSpan.FromSeconds(10)).ShouldNotBeNull();
        waiting.Final.ShouldBeFalse();
        waiting.Node.ShouldBe("dev-node-0");
        waiting.Remaining.ShouldBe(TimeSpan.FromSeconds(4));
        EPGroupFailure.Misplaced([pending], now.AddSeconds(4), TimeSpan.FromSeconds(10))!.Final.ShouldBeTrue();
    }
}
