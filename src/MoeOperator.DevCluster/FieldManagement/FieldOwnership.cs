using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>Who writes: the field manager, the apiVersion written through and the subresource, if any.</summary>
/// <param name="Manager">The fieldManager; null for a write nobody is named for (it still takes fields from others).</param>
/// <param name="ApiVersion">The apiVersion of the request.</param>
/// <param name="Subresource">"status" for a write through /status, else null.</param>
/// <param name="SeparateStatus">
/// Whether the kind has a status subresource: then a write through the main resource owns no status field and one
/// through /status owns only status fields, as the real server's reset fields have it.
/// </param>
public sealed record FieldWriter(string? Manager, string ApiVersion, string? Subresource, bool SeparateStatus = false)
{
    /// <summary>The part of a set of fields this writer can own.</summary>
    public FieldSet Scope(FieldSet fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var status = PathElements.Field("status");
        return !SeparateStatus ? fields : Subresource == "status" ? fields.OnlySubtree(status) : fields.WithoutSubtree(status);
    }
}

/// <summary>An apply's part of a write.</summary>
/// <param name="Applied">The fields of the applied configuration.</param>
/// <param name="Force">Take the fields other managers own instead of answering 409.</param>
/// <param name="TakeOver">Fields it may take without conflict (see <see cref="LastAppliedConfiguration"/>).</param>
/// <param name="LastApplied">
/// The configuration kubectl's last-applied annotation follows once ownership is settled, so the annotation's
/// change takes no field from anyone (see <see cref="LastAppliedConfiguration"/>).
/// </param>
public sealed record ApplyIntent(FieldSet Applied, bool Force, FieldSet? TakeOver = null, JsonObject? LastApplied = null);

/// <summary>
/// Keeps <c>metadata.managedFields</c> as the real server's field manager does. An update owns what it changed and
/// takes it from everyone else; an apply owns exactly what it applied, may not change what another manager owns
/// (409 naming the managers and fields) unless forced, and shares what it sets to the value already there.
/// Fields a write removed are nobody's. Server-owned metadata is never anybody's.
/// </summary>
public static class FieldOwnership
{
    private static readonly FieldSet _serverOwned = ServerOwned();

    /// <summary>The fields of an applied configuration that a manager can own.</summary>
    public static FieldSet Owned(JsonObject config, FieldShape shape) => ObjectFields.Of(config, shape).Difference(_serverOwned);

    /// <summary>The managers after a create, update or non-apply patch.</summary>
    public static List<ManagedFieldsEntry> AfterUpdate(IReadOnlyList<ManagedFieldsEntry> managers, JsonObject old, JsonObject updated, FieldShape shape, FieldWriter writer, string now)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var change = Change(old, updated, shape, writer);
        var self = Self(writer, ManagedFieldsEntry.Update);
        var result = managers.Where(e => !e.SameWriter(self)).Select(e => e with { Fields = e.Fields.Difference(change.Changed).Difference(change.Removed) }).ToList();
        if (writer.Manager is not null)
        {
            var previous = managers.FirstOrDefault(e => e.SameWriter(self));
            var fields = (previous?.Fields ?? new FieldSet()).Difference(change.Removed).Union(change.Changed);
            var changed = !change.Changed.IsEmpty;
            result.Add(self with { Fields = fields, Time = changed || previous is null ? now : previous.Time });
        }

        return result;
    }

    /// <summary>The managers after an apply; throws 409 when it changes fields other managers own and is not forced.</summary>
    public static List<ManagedFieldsEntry> AfterApply(IReadOnlyList<ManagedFieldsEntry> managers, JsonObject old, JsonObject updated, FieldShape shape, FieldWriter writer, ApplyIntent apply, string now)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(apply);
        var change = Change(old, updated, shape, writer);
        var self = Self(writer, ManagedFieldsEntry.Apply);
        var others = managers.Where(e => !e.SameWriter(self)).ToList();
        var conflicts = others.Select(e => (Entry: e, Fields: e.Fields.Intersection(change.Changed))).Where(c => !c.Fields.IsEmpty).ToList();
        var blocking = conflicts.Select(c => (c.Entry, Fields: apply.TakeOver is null ? c.Fields : c.Fields.Difference(apply.TakeOver))).Where(c => !c.Fields.IsEmpty).ToList();
        if (blocking.Count > 0 && !apply.Force)
        {
            throw ConflictError(blocking);
        }

        var result = others.Select(e => e with { Fields = e.Fields.Difference(change.Changed).Difference(change.Removed) }).ToList();
        var previous = managers.FirstOrDefault(e => e.SameWriter(self));
        var objectChanged = !change.Changed.IsEmpty || !change.Removed.IsEmpty;
        result.Add(self with { Fields = writer.Scope(apply.Applied), Time = objectChanged || previous is null ? now : previous.Time });
        return result;
    }

    /// <summary>Whether two lists of managers own the same fields (times aside).</summary>
    public static bool SameOwnership(IReadOnlyList<ManagedFieldsEntry> a, IReadOnlyList<ManagedFieldsEntry> b)
    {
        var left = a.Where(e => !e.Fields.IsEmpty).ToList();
        var right = b.Where(e => !e.Fields.IsEmpty).ToList();
        return left.Count == right.Count && left.All(e => right.Any(o => o.SameWriter(e) && o.ApiVersion == e.ApiVersion && o.Fields.SameMembers(e.Fields)));
    }

    private static ManagedFieldsEntry Self(FieldWriter writer, string operation) =>
        new(writer.Manager ?? "", operation, writer.ApiVersion, null, writer.Subresource, new FieldSet());

    // What the write changed that a writer can own: server-owned metadata aside, and only its side of the status.
    private static FieldComparison Change(JsonObject old, JsonObject updated, FieldShape shape, FieldWriter writer)
    {
        var change = ObjectFields.Compare(old, updated, shape);
        return new FieldComparison(
            writer.Scope(change.Added.Difference(_serverOwned)), writer.Scope(change.Modified.Difference(_serverOwned)), writer.Scope(change.Removed.Difference(_serverOwned)));
    }

    // The real server's message: one conflict inline, several grouped by manager.
    private static ApiException ConflictError(List<(ManagedFieldsEntry Entry, FieldSet Fields)> conflicts)
    {
        var byManager = conflicts.OrderBy(c => c.Entry.Describe(), StringComparer.Ordinal)
            .Select(c => (Manager: c.Entry.Describe(), Paths: c.Fields.Paths().Select(PathElements.Describe).ToList())).ToList();
        var count = byManager.Sum(m => m.Paths.Count);
        var message = count == 1
            ? $"Apply failed with 1 conflict: conflict with {byManager[0].Manager}: {byManager[0].Paths[0]}"
            : $"Apply failed with {count} conflicts: " + string.Join('\n', byManager.SelectMany(m => new[] { $"conflicts with {m.Manager}:" }.Concat(m.Paths.Select(p => $"- {p}"))));
        var causes = new JsonArray([.. byManager.SelectMany(m => m.Paths.Select(p => (JsonNode)new JsonObject
        {
            ["reason"] = "FieldManagerConflict",
            ["message"] = $"conflict with {m.Manager}",
            ["field"] = p,
        }))]);
        return new ApiException(409, "Conflict", message, new JsonObject { ["causes"] = causes });
    }

    private static FieldSet ServerOwned()
    {
        var set = new FieldSet();
        set.Insert([PathElements.Field("apiVersion")]);
        set.Insert([PathElements.Field("kind")]);
        set.Insert([PathElements.Field("metadata")]);
        foreach (var field in new[] { "name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "managedFields", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds" })
        {
            set.Insert([PathElements.Field("metadata"), PathElements.Field(field)]);
        }

        return set;
    }
}
