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

    /// <summary>
    /// When the server refused to create a child (403 from admission or RBAC, 422 from validation): what a
    /// ReplicaSet controller's FailedCreate event says, "Error creating: " and the server's own message.
    /// </summary>
    public string? RefusedCreate { get; init; }
}
