using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace MoeOperator.Runtime.Client;

/// <summary>
/// Any kind as JSON, through KubernetesClient's HTTP client and credentials: the generic path the runtime uses
/// for informers and child writes, so built-in and custom kinds go through one code path.
/// </summary>
public sealed class KubernetesJsonClient(Kubernetes client)
{
    /// <summary>Sends a request; returns the status and the parsed body (null when empty).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string pathAndQuery, JsonNode? body = null, string contentType = "application/json", CancellationToken cancellationToken = default)
    {
        using var response = await OpenAsync(method, pathAndQuery, body, contentType, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Sends a request and returns the response unread (for watch streams); the caller disposes it.</summary>
    public async Task<HttpResponseMessage> OpenAsync(HttpMethod method, string pathAndQuery, JsonNode? body, string contentType, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(client.BaseUri, pathAndQuery));
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        return await client.HttpClient.SendAsync(request, completion, cancellationToken);
    }
}
