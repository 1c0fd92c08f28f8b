using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>One entry of <c>metadata.managedFields</c>: a manager, how it wrote, and the fields it owns.</summary>
public sealed record ManagedFieldsEntry(string Manager, string Operation, string? ApiVersion, string? Time, string? Subresource, FieldSet Fields)
{
    /// <summary>Apply: the fields of a manager's last applied configuration.</summary>
    public const string Apply = "Apply";

    /// <summary>Update: the fields a manager changed with create, update or a non-apply patch.</summary>
    public const string Update = "Update";

    /// <summary>
    /// Whether two entries belong to the same writer: an applier is one writer whatever version it applies, an
    /// updater one per version, and each per subresource.
    /// </summary>
    public bool SameWriter(ManagedFieldsEntry other) =>
        Manager == other.Manager && Operation == other.Operation && Subresource == other.Subresource &&
        (Operation == Apply || ApiVersion == other.ApiVersion);

    /// <summary>How the real server names this writer in a conflict: <c>"helm"</c>, <c>"kubectl-create" using apps/v1</c>.</summary>
    public string Describe()
    {
        var text = $"\"{Manager}\"";
        if (!string.IsNullOrEmpty(Subresource))
        {
            text += $" with subresource \"{Subresource}\"";
        }

        return Operation == Update ? $"{text} using {ApiVersion}" : text;
    }

    /// <summary>The entries of an object's metadata; entries that cannot be read are skipped.</summary>
    public static List<ManagedFieldsEntry> Read(JsonNode? managedFields) =>
        [.. (managedFields as JsonArray ?? []).OfType<JsonObject>()
            .Where(e => (string?)e["manager"] is not null && (string?)e["operation"] is Apply or Update)
            .Select(e => new ManagedFieldsEntry(
                (string)e["manager"]!, (string)e["operation"]!, (string?)e["apiVersion"], (string?)e["time"], (string?)e["subresource"],
                FieldSet.FromFieldsV1(e["fieldsV1"] as JsonObject)))];

    /// <summary>Entries as metadata.managedFields, in the real server's order: appliers first, then by time and name.</summary>
    public static JsonArray Write(IEnumerable<ManagedFieldsEntry> entries) =>
        new([.. entries
            .Where(e => !e.Fields.IsEmpty)
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => e.Time ?? "", StringComparer.Ordinal)
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion ?? "", StringComparer.Ordinal)
            .ThenBy(e => e.Subresource ?? "", StringComparer.Ordinal)
            .Select(e => (JsonNode)e.ToJson())]);

    private JsonObject ToJson()
    {
        var json = new JsonObject { ["manager"] = Manager, ["operation"] = Operation, ["apiVersion"] = ApiVersion, ["time"] = Time, ["fieldsType"] = "FieldsV1", ["fieldsV1"] = Fields.ToFieldsV1() };
        if (!string.IsNullOrEmpty(Subresource))
        {
            json["subresource"] = Subresource;
        }

        return json;
    }
}
