namespace MoeOperator.Runtime.Controllers;

/// <summary>Converges one object's world to its spec; level-triggered and idempotent.</summary>
public interface IReconciler
{
    /// <summary>Reconciles the object named by <paramref name="key"/>; throw <see cref="TerminalException"/> for failures a retry cannot fix.</summary>
    Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken);
}
