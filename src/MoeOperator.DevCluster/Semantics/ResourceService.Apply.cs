using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.FieldManagement;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>Server-side apply (PATCH with application/apply-patch+yaml).</summary>
public sealed partial class ResourceService
{
    // Server-side apply: the configuration merged into the live object, the fields this manager applied last time
    // and no longer applies removed unless someone else owns them, and ownership checked for conflicts.
    private WriteResult ServerSideApply(ResourceType type, string? ns, string name, JsonNode patch, bool statusSubresource, RequestOptions options)
    {
        if (options.FieldManager is null)
        {
            throw InvalidPatchOptions("fieldManager", "Required", "is required for apply patch");
        }

        var config = ApplyConfiguration(type, patch, statusSubresource);
        var shape = FieldShape.For(type.Schema);
        var apply = new ApplyIntent(FieldOwnership.Owned(config, shape), options.Force);
        lock (Store.Gate)
        {
            var current = Store.Get(KeyOf(type, ns, name)) is { } stored ? type.View?.FromStored(stored) ?? stored : null;
            if (current is null)
            {
                if (statusSubresource)
                {
                    throw ApiException.NotFound(type, name);
                }

                ObjectAdmission.Metadata(config)["name"] = name;
                return Create(type, ns, config, options, apply);
            }

            if (options.FieldManager == LastAppliedConfiguration.Manager && LastAppliedConfiguration.TakeOver(current, shape, type.ApiVersion) is { } takeOver)
            {
                apply = apply with { TakeOver = takeOver, LastApplied = config };
            }

            var managers = ManagedFieldsEntry.Read(current["metadata"]?["managedFields"]);
            var self = managers.FirstOrDefault(e => e.Manager == options.FieldManager && e.Operation == ManagedFieldsEntry.Apply && e.Subresource == (statusSubresource ? "status" : null));
            var merged = ApplyMerge.Merge(current, config, shape);
            if (self is not null)
            {
                var keep = managers.Where(e => e != self).Aggregate(apply.Applied, (owned, e) => owned.Union(e.Fields));
                ApplyMerge.Prune(merged, self.Fields.Difference(keep), keep, shape);
            }

            // The live resourceVersion came with the merge; one in the configuration replaced it, as a precondition.
            ObjectAdmission.Metadata(merged)["managedFields"] = current["metadata"]?["managedFields"]?.DeepClone();
            return Update(type, ns, name, merged, statusSubresource, options, apply);
        }
    }

    // What an apply may set: through the main resource everything but a status that has its own subresource,
    // through /status only the status.
    private static JsonObject ApplyConfiguration(ResourceType type, JsonNode patch, bool statusSubresource)
    {
        var config = patch as JsonObject ?? throw ApiException.BadRequest("an apply patch must be an object");
        var apiVersion = (string?)config["apiVersion"] ?? "";
        if (apiVersion != type.ApiVersion)
        {
            throw ApiException.BadRequest($"Incorrect version specified in apply patch. Specified patch version: {apiVersion}, expected: {type.ApiVersion}");
        }

        if ((string?)config["kind"] != type.Kind)
        {
            throw ApiException.BadRequest($"the kind of the applied object ({(string?)config["kind"] ?? "none"}) does not match the kind on the URL ({type.Kind})");
        }

        config = config.DeepClone().AsObject();
        if (statusSubresource)
        {
            var statusOnly = new JsonObject { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Kind, ["metadata"] = new JsonObject() };
            foreach (var field in new[] { "name", "resourceVersion" })
            {
                if (config["metadata"]?[field] is { } value)
                {
                    statusOnly["metadata"]![field] = value.DeepClone();
                }
            }

            if (config["status"] is { } status)
            {
                statusOnly["status"] = status.DeepClone();
            }

            return statusOnly;
        }

        if (type.HasStatus)
        {
            config.Remove("status");
        }

        return config;
    }

    private static ApiException InvalidPatchOptions(string field, string type, string detail)
    {
        var reason = type == "Required" ? "FieldValueRequired" : "FieldValueForbidden";
        var message = $"{type} value: {detail}";
        return new ApiException(422, "Invalid", $"PatchOptions.meta.k8s.io \"\" is invalid: {field}: {message}", new JsonObject
        {
            ["group"] = "meta.k8s.io",
            ["kind"] = "PatchOptions",
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = reason, ["message"] = message, ["field"] = field }),
        });
    }
}
