using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>The object a write produced, whether it created it, and any warnings for the client.</summary>
public sealed record WriteResult(JsonObject Object, bool Created, IReadOnlyList<string> Warnings);
