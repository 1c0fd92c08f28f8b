namespace MoeOperator.Planning.ThreeFS;

/// <summary>A chain table that cannot be cut from the request; the message says which quantity and how to fix it.</summary>
public sealed class ChainTablePlanException(string message) : ArgumentException(message);
