using System.Text.Json.Nodes;
using MoeOperator.Api.Validation;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// The rules the API server applies to every write, as pure functions of the old object, the new one and the
/// resource type: server-owned metadata, status subresource isolation, generation, finalizers, and the schema,
/// defaults and CEL rules of custom resources.
/// </summary>
internal static class ObjectAdmission
{
    /// <summary>Fields of metadata only the server sets.</summary>
    private static readonly string[] _serverOwned = ["uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"];

    public static JsonObject Metadata(JsonObject obj) => (obj["metadata"] ??= new JsonObject()).AsObject();

    /// <summary>Fills in what a create gets from the server.</summary>
    public static void PrepareCreate(ResourceType type, JsonObject obj, string uid, string now)
    {
        var metadata = Metadata(obj);
        foreach (var field in _serverOwned)
        {
            metadata.Remove(field);
        }

        metadata["uid"] = uid;
        metadata["creationTimestamp"] = now;
        metadata["generation"] = 1;
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        if (type.HasStatus && type.IsCustom)
        {
            // The status of a custom resource with a status subresource is written only through /status.
            obj.Remove("status");
        }
    }

    /// <summary>
    /// Builds the object an update stores: server-owned metadata kept from <paramref name="old"/>; through the main
    /// resource the status is kept, through /status only the status changes; generation counts spec changes.
    /// </summary>
    public static JsonObject PrepareUpdate(ResourceType type, JsonObject old, JsonObject incoming, bool statusSubresource)
    {
        JsonObject result;
        if (statusSubresource)
        {
            result = old.DeepClone().AsObject();
            result["status"] = incoming["status"]?.DeepClone();
            if (result["status"] is null)
            {
                result.Remove("status");
            }

            return result;
        }

        result = incoming.DeepClone().AsObject();
        var metadata = Metadata(result);
        var oldMetadata = Metadata(old);
        foreach (var field in _serverOwned)
        {
            if (oldMetadata[field] is { } value)
            {
                metadata[field] = value.DeepClone();
            }
            else
            {
                metadata.Remove(field);
            }
        }

        metadata["name"] = oldMetadata["name"]?.DeepClone();
        if (oldMetadata["namespace"] is { } ns)
        {
            metadata["namespace"] = ns.DeepClone();
        }

        result["apiVersion"] = type.ApiVersion;
        result["kind"] = type.Kind;
        if (type.HasStatus)
        {
            if (old["status"] is { } status)
            {
                result["status"] = status.DeepClone();
            }
            else
            {
                result.Remove("status");
            }
        }

        if (!JsonNode.DeepEquals(WithoutMetadataAndStatus(old), WithoutMetadataAndStatus(result)))
        {
            metadata["generation"] = ((long?)oldMetadata["generation"] ?? 1) + 1;
        }

        return result;
    }

    /// <summary>Whether two stored states differ in anything a client could see, besides resourceVersion.</summary>
    public static bool SameContent(JsonObject a, JsonObject b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        // Compared in place, part by part: every write asks, and copying both objects to drop two fields cost more
        // than the comparison.
        return SameMembers(a, b, static name => name == "metadata")
            && SameMembers(a["metadata"] as JsonObject ?? [], b["metadata"] as JsonObject ?? [], static name => name is "resourceVersion" or "managedFields");
    }

    // Whether two objects have equal members, those skipped aside.
    private static bool SameMembers(JsonObject a, JsonObject b, Func<string, bool> skip)
    {
        var compared = 0;
        foreach (var (name, value) in a)
        {
            if (skip(name))
            {
                continue;
            }

            compared++;
            if (!b.TryGetPropertyValue(name, out var other) || !JsonNode.DeepEquals(value, other))
            {
                return false;
            }
        }

        return compared == b.Count(p => !skip(p.Key));
    }

    /// <summary>The finalizers added by an update, which a deleting object may not get.</summary>
    public static IReadOnlyList<string> AddedFinalizers(JsonObject old, JsonObject updated)
    {
        var before = Finalizers(old);
        return [.. Finalizers(updated).Where(f => !before.Contains(f))];
    }

    public static List<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"]?.AsArray().Select(f => (string?)f).OfType<string>().ToList() ?? [];

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    /// <summary>
    /// Prunes, defaults and validates a custom resource against its version's schema, as the server does on every
    /// write. Returns warnings for pruned fields; throws 400 for them under Strict field validation and 422 for
    /// schema or CEL failures.
    /// </summary>
    public static List<string> ValidateCustom(ResourceType type, JsonObject obj, string fieldValidation, bool statusOnly, JsonObject? old = null)
    {
        var schema = type.Schema!;
        var body = obj.DeepClone().AsObject();
        body.Remove("metadata");
        var pruned = SchemaPruner.Prune(body, schema);
        if (pruned.Count > 0 && fieldValidation == "Strict")
        {
            throw ApiException.BadRequest(CustomResourceValidator.StrictDecoding(type.Kind, type.Version, pruned));
        }

        SchemaDefaulter.Apply(body, schema);
        // metadata.name first, as the server validates object metadata before the schema.
        List<FieldError> errors = old is null && (string?)obj["metadata"]?["name"] is { Length: > 0 } name ? ObjectNames.Subdomain(name) : [];
        StructuralValidator.Validate(body, schema, "", errors);
        if (errors.Count == 0)
        {
            // An update is checked against the stored object too: transition rules (oldSelf) hold only on updates.
            // A status write sees the whole object, as rules on the root compare spec and status, but it cannot
            // change the spec, so what the rules say of the spec is not its concern (as the API server ratchets
            // unchanged fields).
            var previous = old?.DeepClone().AsObject();
            previous?.Remove("metadata");
            CelRuleValidator.Validate(body, schema, "", errors, previous);
            if (statusOnly)
            {
                errors.RemoveAll(e => e.Path == "spec" || e.Path.StartsWith("spec.", StringComparison.Ordinal) || e.Path.StartsWith("spec[", StringComparison.Ordinal));
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type, (string?)obj["metadata"]?["name"] ?? "", errors);
        }

        foreach (var (key, value) in body)
        {
            obj[key] = value?.DeepClone();
        }

        foreach (var key in obj.Select(p => p.Key).Where(k => k != "metadata" && !body.ContainsKey(k)).ToList())
        {
            obj.Remove(key);
        }

        return fieldValidation == "Ignore" ? [] : [.. pruned.Select(p => $"unknown field \"{p}\"")];
    }

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }
}
