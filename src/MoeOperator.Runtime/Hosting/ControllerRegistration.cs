using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Runtime.Hosting;

/// <summary>
/// One controller of the operator: <see cref="Build"/> wires its informers (through the context) and returns the
/// controller and its reconciler; the host runs it with <see cref="Workers"/> concurrent workers while leading.
/// </summary>
public sealed record ControllerRegistration(string Name, int Workers, Func<OperatorContext, (Controller Controller, IReconciler Reconciler)> Build);
