using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Hosting;

namespace MoeOperator.Benchmarks.DevCluster;

/// <summary>A dev API server and an HTTP client trusting its CA, for benchmarks.</summary>
internal sealed class ApiServerSession : IAsyncDisposable
{
    private ApiServerSession(DevApiServer server, HttpClient http)
    {
        Server = server;
        Http = http;
    }

    public DevApiServer Server { get; }

    public HttpClient Http { get; }

    public static async Task<ApiServerSession> StartAsync()
    {
        var server = await DevApiServer.StartAsync(new DevApiServerOptions());
#pragma warning disable CA2000 // owned by the HttpClient
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => server.IsTrustedServerCertificate(certificate) },
        };
#pragma warning restore CA2000
        var http = new HttpClient(handler) { BaseAddress = new Uri(server.Url), Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
        return new ApiServerSession(server, http);
    }

    public async Task PostAsync(string path, JsonNode body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(path, content);
        response.EnsureSuccessStatusCode();
    }

    public static JsonObject ConfigMap(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = "bench" } },
        ["data"] = new JsonObject { ["config"] = new string('x', 256) },
    };

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
