using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MoeOperator.Contract;

namespace MoeOperator.Worker.Ep;

/// <summary>
/// Publishes this pod's expert load as the annotation <c>moe.dev/expert-load</c> = {"version": V, "tokens": [...]},
/// which the operator sums over the group's pods to decide on rebalancing. Uses the pod's service account.
/// </summary>
public sealed class LoadReporter(IKubernetes client, string pod, string ns, LoadLedger ledger)
{
    /// <summary>A client when the process runs in a pod with a service account, else null (run by hand: nothing to report to).</summary>
    public static IKubernetes? InClusterClient() =>
        KubernetesClientConfiguration.IsInCluster() ? new Kubernetes(KubernetesClientConfiguration.InClusterConfig()) : null;

    public async Task ReportOnceAsync(CancellationToken cancellationToken)
    {
        if (ledger.Snapshot() is not { } snapshot)
        {
            return;
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ExpertLoadReport.Annotation] = new ExpertLoadReport(snapshot.Version, [.. snapshot.Tokens.Select(t => (double)t)]).Format() } } };
        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), pod, ns, cancellationToken: cancellationToken);
    }
}
