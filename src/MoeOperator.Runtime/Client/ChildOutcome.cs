namespace MoeOperator.Runtime.Client;

/// <summary>What ensuring one child did; counting Unchanged is how idempotency is proven.</summary>
public enum ChildOutcome
{
    Unchanged,
    Created,
    Updated,

    /// <summary>An object of that name is being deleted (a previous child winding down): nothing was written; try again once it is gone.</summary>
    Terminating,
}
