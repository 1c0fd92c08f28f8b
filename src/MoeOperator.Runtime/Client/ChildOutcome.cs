namespace MoeOperator.Runtime.Client;

/// <summary>What ensuring one child did; counting Unchanged is how idempotency is proven.</summary>
public enum ChildOutcome
{
    Unchanged,
    Created,
    Updated,
}
