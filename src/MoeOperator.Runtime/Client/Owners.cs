using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>Owner references: what a child carries so garbage collection deletes it with its owner.</summary>
public static class Owners
{
    /// <summary>A controller owner reference to <paramref name="owner"/> (blockOwnerDeletion set, as controller-runtime does).</summary>
    public static JsonObject ControllerReference(JsonObject owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new JsonObject
        {
            ["apiVersion"] = (string?)owner["apiVersion"],
            ["kind"] = (string?)owner["kind"],
            ["name"] = (string?)owner["metadata"]?["name"],
            ["uid"] = (string?)owner["metadata"]?["uid"] ?? throw new ArgumentException("the owner has no uid yet: read it back from the server first", nameof(owner)),
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };
    }

    /// <summary>The name of the owner of kind <paramref name="kind"/> that controls the child, if any.</summary>
    public static string? ControllerOf(JsonObject child, string kind)
    {
        ArgumentNullException.ThrowIfNull(child);
        return child["metadata"]?["ownerReferences"]?.AsArray()
            .FirstOrDefault(r => (bool?)r?["controller"] == true && (string?)r?["kind"] == kind) is { } reference
            ? (string?)reference["name"]
            : null;
    }
}
