using System.Net;

namespace MoeOperator.Runtime.Client;

/// <summary>The API server refused a write; the reconcile fails and is retried with backoff.</summary>
public sealed class ApiRequestException : Exception
{
    public ApiRequestException()
    {
    }

    public ApiRequestException(string message)
        : base(message)
    {
    }

    public ApiRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ApiRequestException(HttpStatusCode status, string message)
        : base(message) => Status = status;

    /// <summary>The HTTP status the server answered.</summary>
    public HttpStatusCode Status { get; }
}
