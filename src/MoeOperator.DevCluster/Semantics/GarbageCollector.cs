using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// Owner-reference garbage collection and the server-side finalizers: background deletion of dependents whose
/// owners are all gone, foreground deletion (the owner waits for its dependents), orphaning (dependents lose
/// the owner reference), and namespace deletion (everything inside goes first). Runs under the store's lock
/// right after the write that makes work for it, so its effects are visible before the request returns.
/// </summary>
internal sealed class GarbageCollector(ResourceService service)
{
    public const string Orphan = "orphan";
    public const string Foreground = "foregroundDeletion";

    private readonly Queue<string> _removedUids = new();
    private readonly HashSet<ObjectKey> _deleting = [];
    private bool _collecting;

    private ObjectStore Store => service.Store;

    /// <summary>Remembers an object that has a deletionTimestamp and waits on a finalizer the server owns.</summary>
    public void Track(ObjectKey key)
    {
        _deleting.Add(key);
        Collect();
    }

    /// <summary>
    /// An object written with owner references none of which exists (a controller acting on a stale cache) is
    /// collected at once, as the real garbage collector collects dependents of absent owners.
    /// </summary>
    public void OnWritten(ObjectKey key, JsonObject obj)
    {
        var owners = OwnerUids(obj);
        if (owners.Count > 0 && owners.All(o => Store.KeyOfUid(o) is null) && !ObjectAdmission.IsDeleting(obj))
        {
            DeleteInBackground(key);
            Collect();
        }
    }

    public void OnRemoved(ResourceType type, JsonObject last)
    {
        if ((string?)last["metadata"]?["uid"] is { } uid)
        {
            _removedUids.Enqueue(uid);
        }

        if (type.GroupResource == CrdRegistrar.GroupResource)
        {
            service.OnCrdRemoved(last);
        }

        Collect();
    }

    public void Collect()
    {
        if (_collecting)
        {
            return;
        }

        _collecting = true;
        try
        {
            bool progress;
            do
            {
                progress = CollectOrphans() | FinishDeletions();
            }
            while (progress);
        }
        finally
        {
            _collecting = false;
        }
    }

    private bool CollectOrphans()
    {
        var progress = false;
        while (_removedUids.TryDequeue(out var uid))
        {
            foreach (var key in Store.DependentsOf(uid))
            {
                if (Store.Get(key) is not { } dependent)
                {
                    continue;
                }

                var owners = OwnerUids(dependent);
                if (owners.All(o => Store.KeyOfUid(o) is null))
                {
                    DeleteInBackground(key);
                }
                else
                {
                    // Another owner is alive: only the dangling reference goes.
                    WithoutOwner(key, dependent, uid);
                }

                progress = true;
            }
        }

        return progress;
    }

    private bool FinishDeletions()
    {
        var progress = false;
        foreach (var key in _deleting.ToList())
        {
            if (Store.Get(key) is not { } obj)
            {
                _deleting.Remove(key);
                continue;
            }

            var uid = (string)obj["metadata"]!["uid"]!;
            var finalizers = ObjectAdmission.Finalizers(obj);
            if (finalizers.Contains(Orphan))
            {
                foreach (var dependent in Store.DependentsOf(uid))
                {
                    WithoutOwner(dependent, Store.Get(dependent)!, uid);
                }

                service.RemoveFinalizer(key, Orphan);
                progress = true;
            }
            else if (finalizers.Contains(Foreground))
            {
                var dependents = Store.DependentsOf(uid);
                foreach (var dependent in dependents.Where(d => Store.Get(d) is { } o && !ObjectAdmission.IsDeleting(o)))
                {
                    DeleteInBackground(dependent);
                    progress = true;
                }

                if (Store.DependentsOf(uid).Count == 0)
                {
                    service.RemoveFinalizer(key, Foreground);
                    progress = true;
                }
            }
            else if (key.GroupResource == "namespaces")
            {
                progress |= EmptyNamespace(key);
            }
        }

        return progress;
    }

    private bool EmptyNamespace(ObjectKey namespaceKey)
    {
        var progress = false;
        foreach (var type in service.Catalog.All.Where(t => t.Namespaced).DistinctBy(t => t.GroupResource))
        {
            foreach (var key in Store.Keys(type.GroupResource, namespaceKey.Name))
            {
                if (Store.Get(key) is { } obj && !ObjectAdmission.IsDeleting(obj))
                {
                    DeleteInBackground(key);
                    progress = true;
                }
            }
        }

        if (AllGone(namespaceKey.Name) && ObjectAdmission.Finalizers(Store.Get(namespaceKey)!).Count == 0)
        {
            service.RemoveNow(namespaceKey);
            return true;
        }

        return progress;
    }

    private bool AllGone(string ns) =>
        service.Catalog.All.Where(t => t.Namespaced).DistinctBy(t => t.GroupResource).All(t => Store.Keys(t.GroupResource, ns).Count == 0);

    private void DeleteInBackground(ObjectKey key)
    {
        if (service.Catalog.AnyVersion(key.GroupResource) is { } type)
        {
            service.Delete(type, key.Namespace, key.Name, null, dryRun: false);
        }
    }

    private void WithoutOwner(ObjectKey key, JsonObject obj, string ownerUid)
    {
        var metadata = ObjectAdmission.Metadata(obj);
        var references = metadata["ownerReferences"]?.AsArray().Where(r => (string?)r?["uid"] != ownerUid).Select(r => r?.DeepClone()).ToArray() ?? [];
        if (references.Length == 0)
        {
            metadata.Remove("ownerReferences");
        }
        else
        {
            metadata["ownerReferences"] = new JsonArray(references);
        }

        Store.Put(key, obj);
    }

    private static List<string> OwnerUids(JsonObject obj) =>
        obj["metadata"]?["ownerReferences"]?.AsArray().Select(r => (string?)r?["uid"]).OfType<string>().ToList() ?? [];
}
