using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Cluster;

namespace MoeOperator.DevCluster.Semantics;

public sealed partial class ResourceService
{
    /// <summary>
    /// Assigns a pod to a node as the real server's binding storage does: one write that sets spec.nodeName, marks the
    /// pod PodScheduled and adds the Binding's annotations, straight to storage (no field manager takes part, so the
    /// pod's managedFields are as they were). One write and one watch event per bound pod, as on a real cluster. A uid
    /// (the Binding's metadata.uid) makes sure another pod that took the name meanwhile is not the one bound.
    /// </summary>
    /// <exception cref="ApiException">404 without the pod; 409 when it is another pod, assigned already or being deleted.</exception>
    public JsonObject Bind(ResourceType pods, string ns, string name, string? uid, string node, JsonObject? annotations, RequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(options);
        lock (Store.Gate)
        {
            var key = KeyOf(pods, ns, name);
            var pod = Store.Get(key) ?? throw ApiException.NotFound(pods, name);
            if (uid is { Length: > 0 } && (string?)pod["metadata"]?["uid"] != uid)
            {
                throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {pod["metadata"]?["uid"]}");
            }

            if ((string?)pod["spec"]?["nodeName"] is { Length: > 0 } assigned)
            {
                throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{assigned}\"");
            }

            if (ObjectAdmission.IsDeleting(pod))
            {
                throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is being deleted, cannot be assigned to a host");
            }

            pod["spec"]!["nodeName"] = node;
            foreach (var (annotation, value) in annotations ?? [])
            {
                ((pod["metadata"]!["annotations"] ??= new JsonObject()).AsObject())[annotation] = value?.DeepClone();
            }

            var status = pod["status"]?.DeepClone().AsObject() ?? [];
            PodConditions.Set(status, "PodScheduled", "True", null, null, Now());
            pod["status"] = status;
            if (options.DryRun)
            {
                return Versioned(pods, pod);
            }

            var stored = Store.Put(key, pod);
            _collector.OnWritten(key, stored);
            return Versioned(pods, stored);
        }
    }
}
