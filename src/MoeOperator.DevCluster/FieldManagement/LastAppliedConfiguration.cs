using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>
/// kubectl's client-side apply annotation, as the real server treats it when <c>kubectl apply --server-side</c>
/// (field manager "kubectl") meets an object that client-side apply managed: the fields the annotation still
/// describes truthfully may be taken over without conflict, and the annotation keeps following the applied
/// configuration so that going back to client-side apply stays possible.
/// </summary>
public static class LastAppliedConfiguration
{
    /// <summary>The annotation kubectl's client-side apply writes.</summary>
    public const string Annotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>The field manager whose applies upgrade from client-side apply.</summary>
    public const string Manager = "kubectl";

    /// <summary>
    /// The fields an apply by kubectl may take from other managers without conflict: those of the last applied
    /// configuration whose values the live object still has. Null when the object has no usable annotation.
    /// </summary>
    public static FieldSet? TakeOver(JsonObject live, FieldShape shape, string apiVersion)
    {
        ArgumentNullException.ThrowIfNull(live);
        if (Text(live) is not { Length: > 0 } text)
        {
            return null;
        }

        JsonObject lastApplied;
        try
        {
            lastApplied = JsonNode.Parse(text) as JsonObject ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        if ((string?)lastApplied["apiVersion"] != apiVersion)
        {
            return null;
        }

        var comparison = ObjectFields.Compare(lastApplied, live, shape);
        return ObjectFields.Of(lastApplied, shape).Difference(comparison.Modified).Difference(comparison.Added).Difference(comparison.Removed);
    }

    /// <summary>
    /// Sets the annotation of an object that has one to the configuration just applied. The real server does this
    /// after it has settled ownership, so the client-side applier keeps owning the annotation and kubectl's
    /// migration afterwards finds it and hands its fields to the applier.
    /// </summary>
    public static void Follow(JsonObject merged, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(config);
        if (Text(merged) is null || merged["metadata"]?["annotations"] is not JsonObject annotations)
        {
            return;
        }

        var applied = config.DeepClone().AsObject();
        (applied["metadata"]?["annotations"] as JsonObject)?.Remove(Annotation);
        annotations[Annotation] = applied.ToJsonString();
    }

    private static string? Text(JsonObject obj) => (string?)obj["metadata"]?["annotations"]?[Annotation];
}
