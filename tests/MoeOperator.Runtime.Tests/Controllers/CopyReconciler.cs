using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Runtime.Tests.Controllers;

/// <summary>
/// The small test controller's reconciler: for every ConfigMap labelled role=source it keeps a child ConfigMap
/// "&lt;name&gt;-copy" with the same data, owned by the source.
/// </summary>
internal sealed class CopyReconciler(Func<ObjectReference, JsonObject?> sources, Func<ObjectReference, JsonObject?> children, ChildWriter writer) : IReconciler
{
    public ConcurrentQueue<ChildOutcome> Outcomes { get; } = new();

    public ConcurrentQueue<ObjectReference> Reconciled { get; } = new();

    public async Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken)
    {
        Reconciled.Enqueue(key);
        var source = sources(key);
        if (source is null || (string?)source["metadata"]?["labels"]?["role"] != "source")
        {
            return ReconcileResult.Done;
        }

        var name = key.Name + "-copy";
        var desired = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = key.Namespace,
                ["labels"] = new JsonObject { ["copy-of"] = key.Name },
                ["ownerReferences"] = new JsonArray(Owners.ControllerReference(source)),
            },
            ["data"] = source["data"]?.DeepClone(),
        };
        Outcomes.Enqueue(await writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/configmaps", desired, children(new ObjectReference(key.Namespace, name)), cancellationToken));
        return ReconcileResult.Done;
    }
}
