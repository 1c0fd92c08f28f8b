namespace MoeOperator.Runtime.Informers;

/// <summary>The server no longer has history back to the watch's resourceVersion (410 Expired): the informer must relist.</summary>
public sealed class ResourceExpiredException : Exception
{
    public ResourceExpiredException()
    {
    }

    public ResourceExpiredException(string message)
        : base(message)
    {
    }

    public ResourceExpiredException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
