using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// pods/proxy: <c>/api/v1/namespaces/{ns}/pods/[scheme:]{name}[:port]/proxy/{path}</c> forwards the request to the
/// pod's IP, as the API server does for <c>kubectl get --raw</c> and for tools outside the cluster that read a pod's
/// HTTP endpoints (a worker's /metrics). The port is a number, as Kubernetes requires of a pod proxy; http only (the dev
/// cluster's pods serve no TLS).
/// </summary>
internal static class PodProxyEndpoint
{
    private static readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(10) })
    {
        Timeout = TimeSpan.FromMinutes(1),
    };

    // Hop-by-hop headers (RFC 9110 7.6.1) are the connection's own and never forwarded.
    private static readonly HashSet<string> _hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Authorization", "Content-Length",
    };

    public static async Task ServeAsync(HttpContext context, ResourceService service, string ns, string target, string path)
    {
        var (scheme, podName, port) = ParseTarget(target);
        if (scheme is not (null or "http"))
        {
            throw ApiException.BadRequest($"the dev cluster's pods serve no TLS: proxy to {scheme} is not supported; use http (or no scheme)");
        }

        var pod = service.Get(service.Catalog.Find("", "v1", "pods")!, ns, podName);
        if ((string?)pod["status"]?["podIP"] is not { Length: > 0 } ip)
        {
            throw new ApiException(503, "ServiceUnavailable", $"pod {podName} has no IP address yet (phase {(string?)pod["status"]?["phase"] ?? "Pending"})");
        }

        var number = ResolvePort(pod, ip, port);
        var uri = new UriBuilder("http", ip, number, "/" + path) { Query = context.Request.QueryString.Value?.TrimStart('?') ?? "" }.Uri;
        using var forwarded = new HttpRequestMessage(new HttpMethod(context.Request.Method), uri);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            forwarded.Content = new StreamContent(context.Request.Body);
            // A known length goes on as Content-Length (many small servers read no chunked bodies).
            forwarded.Content.Headers.ContentLength = context.Request.ContentLength;
        }

        foreach (var (name, values) in context.Request.Headers.Where(h => !_hopByHop.Contains(h.Key)))
        {
            if (!forwarded.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                forwarded.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // The API server's own answer when the pod refuses the connection.
            throw new ApiException(503, "ServiceUnavailable", $"error trying to reach service: dial tcp {ip}:{number.ToString(CultureInfo.InvariantCulture)}: connect: connection refused");
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers).Where(h => !_hopByHop.Contains(h.Key)))
            {
                context.Response.Headers[name] = values.ToArray();
            }

            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    /// <summary>Splits <c>[scheme:]name[:port]</c>, as the API server reads a proxy target.</summary>
    public static (string? Scheme, string Name, string? Port) ParseTarget(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Split(':') switch
        {
            [var name] => (null, name, null),
            [var name, var port] => (null, name, port),
            [var scheme, var name, var port] => (scheme.Length == 0 ? null : scheme, name, port.Length == 0 ? null : port),
            _ => throw ApiException.BadRequest($"invalid proxy target {target}: expected [scheme:]name[:port]"),
        };
    }

    // A port number; none means 80. As in Kubernetes, a pod proxy does not resolve container port names (a service
    // proxy does): a name is dialled as it is, and fails.
    private static int ResolvePort(System.Text.Json.Nodes.JsonObject pod, string ip, string? port)
    {
        if (port is null)
        {
            return 80;
        }

        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and < 65536
            ? number
            : throw new ApiException(503, "ServiceUnavailable", $"error trying to reach service: dial tcp: address {ip}:{port}: invalid port (pod {(string?)pod["metadata"]?["name"]}: a pod proxy takes a port number)");
    }
}
