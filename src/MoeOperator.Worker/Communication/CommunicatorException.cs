namespace MoeOperator.Worker.Communication;

/// <summary>A collective could not complete: a peer closed its connection, stayed silent too long, or rendezvous failed.</summary>
public sealed class CommunicatorException : Exception
{
    public CommunicatorException()
    {
    }

    public CommunicatorException(string message)
        : base(message)
    {
    }

    public CommunicatorException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
