namespace MoeOperator.Runtime.Controllers;

/// <summary>
/// A reconcile failure that retrying cannot fix (an invalid spec, a missing referenced object the user must
/// create): the controller records it and waits for the next change instead of retrying in a storm.
/// </summary>
public sealed class TerminalException : Exception
{
    public TerminalException()
    {
    }

    public TerminalException(string message)
        : base(message)
    {
    }

    public TerminalException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
