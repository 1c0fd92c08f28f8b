using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.FieldManagement;
using MoeOperator.DevCluster.Patching;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// The API server's verbs over the store: create, update, patch, delete and their rules (conflicts, status
/// isolation, generation, finalizers, garbage collection, CRDs). Every write holds the store's lock from the
/// read it decides on to the write it makes.
/// </summary>
public sealed partial class ResourceService
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private readonly TimeProvider _clock;
    private readonly GarbageCollector _collector;
    private readonly CrdRegistrar _crds;

    public ResourceService(ObjectStore store, ResourceCatalog catalog, TimeProvider clock)
    {
        Store = store;
        Catalog = catalog;
        _clock = clock;
        _collector = new GarbageCollector(this);
        _crds = new CrdRegistrar(catalog);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            Create(Type("", "v1", "namespaces"), null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, RequestOptions.Default);
        }
    }

    public ObjectStore Store { get; }

    /// <summary>The server's clock.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>
    /// Whether deleting a pod that runs on a node only marks it (deletionTimestamp and grace period) and leaves its
    /// removal to the node's kubelet once the containers have stopped, as the real API server does. On while a
    /// kubelet serves the nodes; off for an API server alone, where nothing would ever finish the deletion.
    /// </summary>
    /// <summary>
    /// Whether the ServiceAccount admission plugin runs: on in a cluster whose serviceaccount controller creates each
    /// namespace's default account; off on a bare API server, as envtest disables it for the same reason.
    /// </summary>
    public bool AdmitServiceAccounts { get; set; }

    public bool PodsTerminateGracefully { get; set; }

    public ResourceCatalog Catalog { get; }

    public ResourceType Type(string group, string version, string plural) =>
        Catalog.Find(group, version, plural) ?? throw new InvalidOperationException($"{plural}.{group}/{version} is not served");

    public static ObjectKey KeyOf(ResourceType type, string? ns, string name) => new(type.StorageResource, type.Namespaced ? ns ?? "" : "", name);

    public JsonObject Get(ResourceType type, string? ns, string name) =>
        Store.Get(KeyOf(type, ns, name)) is { } obj ? Versioned(type, obj) : throw ApiException.NotFound(type, name);

    /// <summary>
    /// Stored objects carry the apiVersion they were written with; a read through another version relabels them, and
    /// a read through a view of another resource's store converts them.
    /// </summary>
    public static JsonObject Versioned(ResourceType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        obj = type.View?.FromStored(obj) ?? obj;
        obj["apiVersion"] = type.ApiVersion;
        return obj;
    }

    public WriteResult Create(ResourceType type, string? ns, JsonObject body, RequestOptions options) => Create(type, ns, body, options, apply: null);

    private WriteResult Create(ResourceType type, string? ns, JsonObject body, RequestOptions options, ApplyIntent? apply)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(body);
        var obj = type.View?.ToStored(body) ?? body.DeepClone().AsObject();
        var metadata = ObjectAdmission.Metadata(obj);
        lock (Store.Gate)
        {
            if (type.Namespaced)
            {
                var bodyNamespace = (string?)metadata["namespace"] is { Length: > 0 } given ? given : null;
                if (ns is not null && bodyNamespace is not null && bodyNamespace != ns)
                {
                    throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                }

                ns = ns ?? bodyNamespace ?? "default";
                metadata["namespace"] = ns;
                RequireLiveNamespace(type, ns, (string?)metadata["name"] ?? "");
            }
            else
            {
                metadata.Remove("namespace");
            }

            if ((string?)metadata["name"] is not { Length: > 0 } && (string?)metadata["generateName"] is { Length: > 0 } prefix)
            {
                metadata["name"] = prefix + string.Concat(Enumerable.Range(0, 5).Select(_ => NameAlphabet[Random.Shared.Next(NameAlphabet.Length)]));
            }

            var name = (string?)metadata["name"] ?? "";
            if (name.Length == 0)
            {
                throw ApiException.Invalid(type, "", [new("metadata.name", Api.Validation.FieldErrorType.Required, null, "name or generateName is required")]);
            }

            // A custom resource's name is checked with its schema (ObjectAdmission.ValidateCustom), in one answer.
            if (!type.IsCustom && Api.Validation.ObjectNames.Check(type.GroupResource, name) is { Count: > 0 } nameErrors)
            {
                throw ApiException.Invalid(type, name, nameErrors);
            }

            var key = KeyOf(type, ns, name);
            if (Store.Get(key) is not null)
            {
                throw ApiException.AlreadyExists(type, name);
            }

            BuiltinQuantities.Normalize(type, obj);
            ConfigData.Normalize(type, obj);
            if (ConfigData.Check(type, obj) is { Count: > 0 } dataErrors)
            {
                throw ApiException.Invalid(type, name, dataErrors);
            }

            var podWarnings = AdmitPods(type, ns, name, obj);
            ObjectAdmission.PrepareCreate(type, obj, Guid.NewGuid().ToString(), Now());
            var warnings = type.IsCustom ? ObjectAdmission.ValidateCustom(type, obj, options.FieldValidation, statusOnly: false) : podWarnings;
            if (type.GroupResource == "namespaces")
            {
                obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                obj["status"] = new JsonObject { ["phase"] = "Active" };
            }
            else if (type.GroupResource == CrdRegistrar.GroupResource)
            {
                _crds.Admit(obj, Now());
            }
            else if (type.GroupResource == "pods" && obj["status"] is null)
            {
                obj["status"] = new JsonObject { ["phase"] = "Pending" };
            }

            var sentManagers = ManagedFieldsEntry.Read(metadata["managedFields"]);
            metadata.Remove("managedFields");
            SettleOwnership(type, sentManagers, [], obj, new FieldWriter(options.FieldManager, type.ApiVersion, null, type.HasStatus), apply);
            if (options.DryRun)
            {
                return new WriteResult(obj, true, warnings);
            }

            var stored = Store.Put(key, obj);
            if (type.GroupResource == CrdRegistrar.GroupResource)
            {
                _crds.Serve(stored);
            }

            _collector.OnWritten(key, stored);
            return new WriteResult(Versioned(type, stored), true, warnings);
        }
    }

    public WriteResult Update(ResourceType type, string? ns, string name, JsonObject body, bool statusSubresource, RequestOptions options) =>
        Update(type, ns, name, body, statusSubresource, options, apply: null);

    private WriteResult Update(ResourceType type, string? ns, string name, JsonObject body, bool statusSubresource, RequestOptions options, ApplyIntent? apply)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(body);
        body = type.View?.ToStored(body) ?? body;
        lock (Store.Gate)
        {
            var key = KeyOf(type, ns, name);
            var old = Store.Get(key) ?? throw ApiException.NotFound(type, name);
            if ((string?)body["metadata"]?["name"] is { } bodyName && bodyName != name)
            {
                throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            if ((string?)body["metadata"]?["resourceVersion"] is { Length: > 0 } expected && expected != (string?)old["metadata"]!["resourceVersion"])
            {
                throw ApiException.Conflict(type, name);
            }

            var updated = ObjectAdmission.PrepareUpdate(type, old, body, statusSubresource);
            BuiltinQuantities.Normalize(type, updated);
            ConfigData.Normalize(type, updated);
            if (ConfigData.Check(type, updated) is { Count: > 0 } dataErrors)
            {
                throw ApiException.Invalid(type, name, dataErrors);
            }

            if (ObjectAdmission.IsDeleting(old) && ObjectAdmission.AddedFinalizers(old, updated) is { Count: > 0 })
            {
                throw ApiException.Invalid(type, name, [new("metadata.finalizers", Api.Validation.FieldErrorType.Invalid, null, "Forbidden: no new finalizers can be added if the object is being deleted")]);
            }

            var warnings = type.IsCustom ? ObjectAdmission.ValidateCustom(type, updated, options.FieldValidation, statusSubresource, old) : [];
            if (type.GroupResource == CrdRegistrar.GroupResource && !statusSubresource)
            {
                _crds.Admit(updated, Now(), old);
            }

            // managedFields a client sends replace the live ones (kubectl moves client-side apply's fields to its
            // applier this way; [{}] clears them); none, or a write through a subresource, keeps the live ones.
            var oldManagers = ManagedFieldsEntry.Read(old["metadata"]?["managedFields"]);
            var given = body["metadata"]?["managedFields"] as JsonArray;
            var managers = !statusSubresource && given is { Count: > 0 } ? ManagedFieldsEntry.Read(given) : oldManagers;
            ObjectAdmission.Metadata(updated).Remove("managedFields");
            managers = SettleOwnership(type, managers, old, updated, new FieldWriter(options.FieldManager, type.ApiVersion, statusSubresource ? "status" : options.Subresource, type.HasStatus), apply);
            if (apply?.LastApplied is { } lastApplied)
            {
                LastAppliedConfiguration.Follow(updated, lastApplied);
            }

            if (ObjectAdmission.SameContent(old, updated) && FieldOwnership.SameOwnership(oldManagers, managers))
            {
                // A write that changes nothing is not a change: same resourceVersion, no watch event.
                return new WriteResult(Versioned(type, old), false, warnings);
            }

            if (options.DryRun)
            {
                return new WriteResult(updated, false, warnings);
            }

            if (ObjectAdmission.IsDeleting(updated) && ObjectAdmission.Finalizers(updated).Count == 0)
            {
                var last = Store.Remove(key)!;
                _collector.OnRemoved(type, last);
                return new WriteResult(Versioned(type, last), false, warnings);
            }

            var stored = Store.Put(key, updated);
            if (type.GroupResource == CrdRegistrar.GroupResource)
            {
                _crds.Serve(stored);
            }

            if (ObjectAdmission.IsDeleting(stored))
            {
                _collector.Track(key);
            }

            _collector.OnWritten(key, stored);
            return new WriteResult(Versioned(type, Store.Get(key) ?? stored), false, warnings);
        }
    }

    public WriteResult Patch(ResourceType type, string? ns, string name, string patchType, JsonNode patch, bool statusSubresource, RequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(options);
        if (patchType == PatchTypes.Apply)
        {
            return ServerSideApply(type, ns, name, patch, statusSubresource, options);
        }

        if (options.Force)
        {
            throw InvalidPatchOptions("force", "Forbidden", "may not be specified for non-apply patch");
        }

        lock (Store.Gate)
        {
            var current = Store.Get(KeyOf(type, ns, name)) is { } stored ? type.View?.FromStored(stored) ?? stored : null;
            if (current is null)
            {
                throw ApiException.NotFound(type, name);
            }

            var patched = patchType switch
            {
                PatchTypes.Json => JsonPatch.Apply(current, patch as JsonArray ?? throw ApiException.BadRequest("a json patch must be an array of operations")),
                PatchTypes.Merge => MergePatch.Apply(current, patch),
                PatchTypes.Strategic when type.IsCustom => throw new ApiException(415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources; use --type=merge or --type=json"),
                PatchTypes.Strategic => StrategicMergePatch.Apply(current, patch),
                _ => throw new ApiException(415, "UnsupportedMediaType", $"the patch type {patchType} is not supported"),
            } as JsonObject ?? throw ApiException.BadRequest("the patch did not produce an object");

            // Without an explicit resourceVersion in the patch, a patch applies to whatever is current.
            if ((string?)(patch as JsonObject)?["metadata"]?["resourceVersion"] is null)
            {
                ObjectAdmission.Metadata(patched)["resourceVersion"] = current["metadata"]!["resourceVersion"]?.DeepClone();
            }

            return Update(type, ns, name, patched, statusSubresource, options);
        }
    }

    public JsonObject Delete(ResourceType type, string? ns, string name, JsonObject? deleteOptions, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (Store.Gate)
        {
            var key = KeyOf(type, ns, name);
            var current = Store.Get(key) ?? throw ApiException.NotFound(type, name);
            var preconditions = deleteOptions?["preconditions"];
            if ((string?)preconditions?["uid"] is { } uid && uid != (string?)current["metadata"]!["uid"])
            {
                throw new ApiException(409, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current["metadata"]!["uid"]}");
            }

            if ((string?)preconditions?["resourceVersion"] is { } rv && rv != (string?)current["metadata"]!["resourceVersion"])
            {
                throw ApiException.Conflict(type, name);
            }

            if (dryRun)
            {
                return Versioned(type, current);
            }

            var policy = (string?)deleteOptions?["propagationPolicy"]
                ?? ((bool?)deleteOptions?["orphanDependents"] == true ? "Orphan" : "Background");
            var finalizers = ObjectAdmission.Finalizers(current);
            if (policy == "Orphan" && !finalizers.Contains(GarbageCollector.Orphan))
            {
                finalizers.Add(GarbageCollector.Orphan);
            }
            else if (policy == "Foreground" && !finalizers.Contains(GarbageCollector.Foreground))
            {
                finalizers.Add(GarbageCollector.Foreground);
            }

            // A namespace stays Terminating until the collector has deleted everything in it.
            var isNamespace = type.GroupResource == "namespaces";
            if (isNamespace)
            {
                current["status"] = new JsonObject { ["phase"] = "Terminating" };
            }

            if (type.GroupResource == "pods" && PodsTerminateGracefully && GracePeriod(current, deleteOptions) is { } grace)
            {
                var podMetadata = ObjectAdmission.Metadata(current);
                podMetadata["deletionTimestamp"] ??= Now();
                podMetadata["deletionGracePeriodSeconds"] = Math.Min(grace, (long?)podMetadata["deletionGracePeriodSeconds"] ?? long.MaxValue);
                if (finalizers.Count > 0)
                {
                    podMetadata["finalizers"] = new JsonArray([.. finalizers.Distinct().Select(f => (JsonNode)f)]);
                }

                return Versioned(type, Store.Put(key, current));
            }

            if (finalizers.Count == 0 && !isNamespace)
            {
                var last = Store.Remove(key)!;
                _collector.OnRemoved(type, last);
                return Versioned(type, last);
            }

            var metadata = ObjectAdmission.Metadata(current);
            metadata["finalizers"] = new JsonArray([.. finalizers.Distinct().Select(f => (JsonNode)f)]);
            metadata["deletionTimestamp"] ??= Now();
            metadata["deletionGracePeriodSeconds"] ??= 0;
            var stored = Store.Put(key, current);
            _collector.Track(key);
            return Versioned(type, Store.Get(key) ?? stored);
        }
    }

    // A pod on a node gets its grace period (the request's, else its spec's, else 30 s); a pod on no node, one that
    // has finished, or a forced delete (grace 0) goes at once.
    private static long? GracePeriod(JsonObject pod, JsonObject? deleteOptions)
    {
        var phase = (string?)pod["status"]?["phase"];
        if ((string?)pod["spec"]?["nodeName"] is not { Length: > 0 } || phase is "Succeeded" or "Failed")
        {
            return null;
        }

        var grace = (long?)deleteOptions?["gracePeriodSeconds"] ?? (long?)pod["spec"]?["terminationGracePeriodSeconds"] ?? 30;
        return grace > 0 ? grace : null;
    }

    /// <summary>Removes a finalizer the server itself manages and deletes the object once none is left.</summary>
    internal void RemoveFinalizer(ObjectKey key, string finalizer)
    {
        var current = Store.Get(key);
        if (current is null)
        {
            return;
        }

        var finalizers = ObjectAdmission.Finalizers(current).Where(f => f != finalizer).ToList();
        var metadata = ObjectAdmission.Metadata(current);
        if (finalizers.Count == 0 && ObjectAdmission.IsDeleting(current))
        {
            RemoveNow(key);
            return;
        }

        metadata["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        Store.Put(key, current);
    }

    /// <summary>Removes an object at once, whatever its finalizers, and lets the collector handle its dependents.</summary>
    internal void RemoveNow(ObjectKey key)
    {
        if (Store.Remove(key) is { } last && Catalog.AnyVersion(key.GroupResource) is { } type)
        {
            _collector.OnRemoved(type, last);
        }
    }

    /// <summary>Deleting a CRD deletes every object of it and stops serving it.</summary>
    internal void OnCrdRemoved(JsonObject crd)
    {
        var groupResource = CrdRegistrar.GroupResourceOf(crd);
        foreach (var key in Store.Keys(groupResource, null))
        {
            RemoveNow(key);
        }

        _crds.Stop(crd);
    }

    private void RequireLiveNamespace(ResourceType type, string ns, string name)
    {
        var namespaceObject = Store.Get(new ObjectKey("namespaces", "", ns));
        if (namespaceObject is null)
        {
            throw new ApiException(404, "NotFound", $"namespaces \"{ns}\" not found", new JsonObject { ["name"] = ns, ["kind"] = "namespaces" });
        }

        if (ObjectAdmission.IsDeleting(namespaceObject))
        {
            throw ApiException.Forbidden(type, name, $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    // Who owns what after the write that turns old into updated (an apply or any other write), written into
    // updated's managedFields.
    private List<ManagedFieldsEntry> SettleOwnership(ResourceType type, IReadOnlyList<ManagedFieldsEntry> managers, JsonObject old, JsonObject updated, FieldWriter writer, ApplyIntent? apply)
    {
        var shape = FieldShape.For(type.Schema);
        var settled = apply is null
            ? FieldOwnership.AfterUpdate(managers, old, updated, shape, writer, Now())
            : FieldOwnership.AfterApply(managers, old, updated, shape, writer, apply, Now());
        SetManagedFields(updated, settled);
        return settled;
    }

    private static void SetManagedFields(JsonObject obj, IEnumerable<ManagedFieldsEntry> managers)
    {
        var entries = ManagedFieldsEntry.Write(managers);
        var metadata = ObjectAdmission.Metadata(obj);
        if (entries.Count > 0)
        {
            metadata["managedFields"] = entries;
        }
        else
        {
            metadata.Remove("managedFields");
        }
    }

    internal string Now() => _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
