using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Integration;

/// <summary>A dev API server for one test class, with a raw HTTP client and a KubernetesClient pointed at it.</summary>
public sealed class DevServer : IAsyncLifetime
{
    private DevApiServer? _server;
    private HttpClient? _http;

    public DevApiServer Server => _server!;

    public Kubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await DevApiServer.StartAsync(new DevApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        _http = NewHttpClient(_server.Token);
        Client = new Kubernetes(_server.ClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>An HTTP client that trusts only the server's CA and sends the given bearer token (none when null).</summary>
    public HttpClient NewHttpClient(string? token)
    {
#pragma warning disable CA2000 // the handler is owned and disposed by the HttpClient
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => Server.IsTrustedServerCertificate(certificate) };
#pragma warning restore CA2000
        var client = new HttpClient(handler) { BaseAddress = new Uri(Server.Url) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Sends a request and returns the status code with the parsed JSON body.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await _http!.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task<JsonNode> OkAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        var (status, result) = await SendAsync(method, path, body, contentType);
        ((int)status).ShouldBeInRange(200, 299, result?.ToJsonString());
        return result!;
    }

    /// <summary>Creates a namespace with a unique name, so tests sharing a server never see each other's objects.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..10];
        await OkAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        return name;
    }

    /// <summary>Installs the project's generated CRDs.</summary>
    public async Task InstallCrdsAsync()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Of("crds"), "*.yaml"))
        {
            var crd = Api.Schema.YamlDocuments.Parse(await File.ReadAllTextAsync(file)).Single();
            var (status, body) = await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
            (status is HttpStatusCode.Created or HttpStatusCode.Conflict).ShouldBeTrue(body?.ToJsonString());
        }
    }
}
