using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// pods/proxy as kubectl uses it (<c>kubectl get --raw /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH</c>): the
/// request reaches the pod's HTTP server at its IP and port with its path and query,
/// and the answer comes back as the pod gave it.
/// </summary>
public sealed class PodProxyTests : IAsyncLifetime, IDisposable
{
    private const int Port = 9100;
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Proxy_ReachesThePodsServer_AtItsPort_WithPathAndQuery()
    {
        await WebPodAsync();

        var byNumber = _cluster.Kubectl("get", "--raw", $"/api/v1/namespaces/{ClusterSession.Ns}/pods/web:{Port}/proxy/metrics?x=1");
        var deeper = _cluster.Kubectl("get", "--raw", $"/api/v1/namespaces/{ClusterSession.Ns}/pods/web:{Port}/proxy/a/b");
        var refused = _cluster.Kubectl("get", "--raw", $"/api/v1/namespaces/{ClusterSession.Ns}/pods/web:9999/proxy/");
        var named = _cluster.Kubectl("get", "--raw", $"/api/v1/namespaces/{ClusterSession.Ns}/pods/web:http/proxy/");

        byNumber.ExitCode.ShouldBe(0, byNumber.Output);
        byNumber.Stdout.ShouldBe("GET /metrics?x=1");
        deeper.ExitCode.ShouldBe(0, deeper.Output);
        deeper.Stdout.ShouldBe("GET /a/b");
        refused.ExitCode.ShouldNotBe(0);
        refused.Stderr.ShouldContain("connection refused");
        named.ExitCode.ShouldNotBe(0, "a pod proxy, unlike a service proxy, resolves no port names");
        named.Stderr.ShouldContain("invalid port");
        _cluster.ShouldHaveNoComponentErrors();
    }

    [Fact]
    public async Task Proxy_PassesTheBodyAndTheAnswersStatus()
    {
        await WebPodAsync();
        var json = new MoeOperator.Runtime.Client.KubernetesJsonClient(_cluster.Client);
        var (status, body) = await json.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ClusterSession.Ns}/pods/web:{Port}/proxy/echo", new JsonObject { ["hello"] = "pod" }, "application/json");
        var teapot = _cluster.Kubectl("get", "--raw", $"/api/v1/namespaces/{ClusterSession.Ns}/pods/web:{Port}/proxy/teapot", "-v=6");

        ((int)status).ShouldBe(200);
        ((string?)body?["hello"]).ShouldBe("pod", "the pod echoed the body it was sent");
        teapot.ExitCode.ShouldNotBe(0);
        teapot.Stderr.ShouldContain("418 I'm a Teapot", customMessage: "the pod's own status comes back");
    }

    private async Task WebPodAsync()
    {
        var pod = Manifests.PythonPod("web", $$"""
            import os
            from http.server import BaseHTTPRequestHandler, HTTPServer
            class Handler(BaseHTTPRequestHandler):
                def do_GET(self):
                    body = f"GET {self.path}".encode()
                    self.send_response(418 if self.path == "/teapot" else 200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    self.send_response(200)
                    self.send_header("Content-Type", self.headers.get("Content-Type", "text/plain"))
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            server = HTTPServer((os.environ["POD_IP"], {{Port}}), Handler)
            print("listening", flush=True)
            server.serve_forever()
            """);
        var container = pod["spec"]!["containers"]![0]!;
        container["env"] = new JsonArray(new JsonObject { ["name"] = "POD_IP", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "status.podIP" } } });
        container["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = Port });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);
        await _cluster.WaitForAsync(() => Task.FromResult(_cluster.Kubectl("logs", "-n", ClusterSession.Ns, "web").Stdout.Contains("listening", StringComparison.Ordinal)), "web to listen", TimeSpan.FromSeconds(60));
    }
}
