using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// How the simulated cluster's components (node agents, scheduler, kubelet, workload controllers) read and write:
/// straight through the <see cref="ResourceService"/>, so they get the same admission, resourceVersion conflicts,
/// generation and garbage collection as any client, without HTTP. Reads return copies the caller may change.
/// </summary>
internal sealed class ClusterApi(ResourceService service, string fieldManager, ComponentErrors? errors = null)
{
    public ResourceService Service { get; } = service;

    /// <summary>The component's name, which is also its field manager.</summary>
    public string Component { get; } = fieldManager;

    /// <summary>Where the component reports what goes wrong.</summary>
    public ComponentErrors Errors { get; } = errors ?? new ComponentErrors();

    private readonly List<ResourceCache> _caches = [];

    public TimeProvider Clock => Service.Clock;

    /// <summary>A cache of every object of a resource for this component (see <see cref="ResourceCache"/>).</summary>
    public ResourceCache Cache(string groupResource)
    {
        var cache = new ResourceCache(this, groupResource);
        _caches.Add(cache);
        return cache;
    }

    /// <summary>Stops every cache following changes: the component stopped.</summary>
    public void PauseCaches()
    {
        foreach (var cache in _caches)
        {
            cache.Pause();
        }
    }

    public ResourceType Type(string groupResource) =>
        Service.Catalog.AnyVersion(groupResource) ?? throw new InvalidOperationException($"{groupResource} is not served");

    public List<JsonObject> List(string groupResource, string? ns = null) =>
        [.. Service.Store.List(groupResource, ns).Items.Select(o => o.DeepClone().AsObject())];

    public JsonObject? Get(string groupResource, string? ns, string name) =>
        Service.Store.Get(ResourceService.KeyOf(Type(groupResource), ns, name))?.DeepClone().AsObject();

    public JsonObject Create(string groupResource, JsonObject obj) =>
        Service.Create(Type(groupResource), Namespace(obj), obj, Options).Object;

    /// <summary>Writes the whole object, guarded by the resourceVersion it carries (a stale copy fails with a conflict).</summary>
    public JsonObject Update(string groupResource, JsonObject obj) =>
        Service.Update(Type(groupResource), Namespace(obj), Name(obj), obj, statusSubresource: false, Options).Object;

    /// <summary>Binds this very pod (by uid) to <paramref name="node"/> in one write, as a scheduler's Binding does.</summary>
    public JsonObject Bind(JsonObject pod, string node) =>
        Service.Bind(Type("pods"), Namespace(pod) ?? "default", Name(pod), (string?)pod["metadata"]?["uid"], node, null, Options);

    /// <summary>Writes the status, guarded by the resourceVersion the object carries.</summary>
    public JsonObject UpdateStatus(string groupResource, JsonObject obj) =>
        Service.Update(Type(groupResource), Namespace(obj), Name(obj), obj, statusSubresource: true, Options).Object;

    public void Delete(string groupResource, string? ns, string name, long? gracePeriodSeconds = null)
    {
        var options = gracePeriodSeconds is { } grace ? new JsonObject { ["gracePeriodSeconds"] = grace } : null;
        Service.Delete(Type(groupResource), ns, name, options, dryRun: false);
    }

    /// <summary>
    /// Deletes exactly this object, as the kubelet and the controllers do: the uid precondition keeps a copy read
    /// earlier in a pass from deleting a newer object that took the same name meanwhile. Already gone is fine.
    /// </summary>
    public void DeleteExact(string groupResource, JsonObject obj, long? gracePeriodSeconds = null)
    {
        var options = new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = (string?)obj["metadata"]?["uid"] } };
        if (gracePeriodSeconds is { } grace)
        {
            options["gracePeriodSeconds"] = grace;
        }

        try
        {
            Service.Delete(Type(groupResource), Namespace(obj), Name(obj), options, dryRun: false);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Gone, or the name belongs to a newer object now: either way this one is deleted.
        }
    }

    public static string Name(JsonObject obj) => (string?)obj["metadata"]?["name"] ?? "";

    public static string? Namespace(JsonObject obj) => (string?)obj["metadata"]?["namespace"];

    private RequestOptions Options { get; } = new(FieldManager: fieldManager);
}
