using MoeOperator.Planning.Placement;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Queue;

namespace MoeOperator.Controllers;

/// <summary>
/// How the gang controllers name their resources in the shared <see cref="PlacementLedger"/>
/// (<c>controller/namespace/name</c>), and the waker that turns such a name back into the controller's queue key
/// when the ledger found room for it.
/// </summary>
internal static class LedgerOwners
{
    public static string Of(string controller, ObjectReference key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return $"{controller}/{key.Namespace}/{key.Name}";
    }

    public static void WakeInto(PlacementLedger ledger, string controller, WorkQueue<ObjectReference> queue)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(queue);
        ledger.AddWaker(controller + "/", owner =>
        {
            var parts = owner.Split('/');
            queue.Add(new ObjectReference(parts[1], parts[2]));
        });
    }
}
