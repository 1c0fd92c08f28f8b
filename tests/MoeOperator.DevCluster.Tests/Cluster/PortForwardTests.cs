using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// kubectl port-forward against a running pod of the dev cluster: SPDY/3.1 tunneled through a WebSocket (what kubectl
/// 1.35 tries first) and over a plain HTTP upgrade (its fallback), every forwarded connection reaching the pod's IP
/// and port with its bytes intact both ways and its end passed on in both directions.
/// </summary>
public sealed partial class PortForwardTests : IAsyncLifetime, IDisposable
{
    private const int EchoPort = 9000;
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task PortForward_CarriesEveryConnectionsBytesBothWays_AndItsEnd(string websockets)
    {
        await EchoPodAsync();
        using var forward = StartForward("echo", EchoPort, websockets);
        var local = await LocalPortAsync(forward);

        // Larger than SPDY's initial 64 KiB window and than one frame, in two connections, one after the other.
        var first = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        var second = "hello through the tunnel"u8.ToArray();
        (await EchoAsync(local, first)).ShouldBe(first, "the pod echoed every byte of the first connection, in order, then closed it");
        (await EchoAsync(local, second)).ShouldBe(second, "a second connection through the same kubectl gets its own streams");
        forward.HasExited.ShouldBeFalse(string.Join('\n', forward.Lines));
        _cluster.ShouldHaveNoComponentErrors();
    }

    [Fact]
    public async Task PortForward_ToAPortNothingListensOn_TellsKubectlWhy()
    {
        await EchoPodAsync();
        using var forward = StartForward("echo", 9999, "true");
        var local = await LocalPortAsync(forward);

        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", local);
            var buffer = new byte[16];
            var read = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            read.ShouldBe(0, "the forwarded connection ends at once");
        }

        await _cluster.WaitForAsync(() => Task.FromResult(forward.Lines.Any(l => l.Contains("failed to connect to", StringComparison.Ordinal))), "kubectl to print the forwarding error", TimeSpan.FromSeconds(30));
        forward.Lines.ShouldContain(l => l.Contains("error forwarding port 9999 to pod echo", StringComparison.Ordinal) && l.Contains(":9999", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PortForward_ToAPodThatIsNotRunning_IsRefused()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.PythonPod("done", "print('bye')"));
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync("/api/v1/namespaces/{ns}/pods/done"))?["status"]?["phase"] == "Succeeded", "done to finish", TimeSpan.FromSeconds(60));

        var json = new MoeOperator.Runtime.Client.KubernetesJsonClient(_cluster.Client);
        var (status, body) = await json.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ClusterSession.Ns}/pods/done/portforward", new JsonObject(), "application/json");

        ((int)status).ShouldBe(400);
        ((string?)body?["message"]).ShouldBe("unable to forward port because pod is not running. Current status=Succeeded");
    }

    private async Task EchoPodAsync()
    {
        var pod = Manifests.PythonPod("echo", $$"""
            import os, socket, threading
            server = socket.socket()
            server.bind((os.environ["POD_IP"], {{EchoPort}}))
            server.listen()
            print("listening", flush=True)
            def serve(connection):
                with connection:
                    while data := connection.recv(65536):
                        connection.sendall(data)
            while True:
                connection, _ = server.accept()
                threading.Thread(target=serve, args=(connection,), daemon=True).start()
            """);
        pod["spec"]!["containers"]![0]!["env"] = new JsonArray(new JsonObject { ["name"] = "POD_IP", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "status.podIP" } } });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync("/api/v1/namespaces/{ns}/pods/echo"))?["status"]?["phase"] == "Running", "echo to run", TimeSpan.FromSeconds(60));
        await _cluster.WaitForAsync(() => Task.FromResult(_cluster.Kubectl("logs", "-n", ClusterSession.Ns, "echo").Stdout.Contains("listening", StringComparison.Ordinal)), "echo to listen", TimeSpan.FromSeconds(60));
    }

    private Testing.StreamingProcess StartForward(string pod, int port, string websockets) => Testing.StreamingProcess.Start(
        Testing.Tools.Kubectl,
        ["--kubeconfig", _cluster.Kubeconfig, "port-forward", "-n", ClusterSession.Ns, $"pod/{pod}", $":{port}"],
        new Dictionary<string, string> { ["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = websockets });

    private async Task<int> LocalPortAsync(Testing.StreamingProcess forward)
    {
        await _cluster.WaitForAsync(() => Task.FromResult(forward.Lines.Any(l => Forwarding().IsMatch(l)) || forward.HasExited), "kubectl port-forward to listen", TimeSpan.FromSeconds(60));
        var line = forward.Lines.FirstOrDefault(l => Forwarding().IsMatch(l));
        line.ShouldNotBeNull($"kubectl port-forward said:\n{string.Join('\n', forward.Lines)}");
        return int.Parse(Forwarding().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    // Sends the bytes, half-closes, and reads until the far end closes.
    private static async Task<byte[]> EchoAsync(int port, byte[] payload)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var reading = ReadAllAsync(stream);
        await stream.WriteAsync(payload);
        client.Client.Shutdown(SocketShutdown.Send);
        return await reading.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task<byte[]> ReadAllAsync(NetworkStream stream)
    {
        using var received = new MemoryStream();
        await stream.CopyToAsync(received);
        return received.ToArray();
    }

    [GeneratedRegex(@"^Forwarding from 127\.0\.0\.1:(\d+) ->")]
    private static partial Regex Forwarding();
}
