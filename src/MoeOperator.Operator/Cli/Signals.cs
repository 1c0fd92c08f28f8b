using System.Runtime.InteropServices;

namespace MoeOperator.Cli;

/// <summary>
/// SIGTERM (Kubernetes stopping a pod, <c>moe dev down</c>) and SIGINT (Ctrl-C) cancel a token so that cleanup
/// runs; System.CommandLine alone would not stop a long-running action on SIGTERM.
/// </summary>
internal sealed class Signals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _int;

    private Signals(CancellationToken outer)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _term = Register(PosixSignal.SIGTERM);
        _int = Register(PosixSignal.SIGINT);
    }

    /// <summary>Cancelled on SIGTERM, SIGINT, or when the outer token is.</summary>
    public CancellationToken Token => _stop.Token;

    public static Signals StopOnTermination(CancellationToken outer) => new(outer);

    public void Dispose()
    {
        _term.Dispose();
        _int.Dispose();
        _stop.Dispose();
    }

    private PosixSignalRegistration Register(PosixSignal signal) =>
        PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            _stop.Cancel();
        });
}
