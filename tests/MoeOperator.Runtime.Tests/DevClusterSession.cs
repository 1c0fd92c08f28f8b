using k8s;
using k8s.Models;
using MoeOperator.DevCluster.Hosting;

namespace MoeOperator.Runtime.Tests;

/// <summary>
/// A dev API server with a KubernetesClient and one namespace, plus the background task a test runs against it
/// (an informer or a controller), stopped and awaited before the server goes away.
/// </summary>
internal sealed class DevClusterSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    private DevClusterSession(DevApiServer server, Kubernetes client, string ns)
    {
        Server = server;
        Client = client;
        Namespace = ns;
    }

    public DevApiServer Server { get; }

    public Kubernetes Client { get; }

    public string Namespace { get; }

    public static async Task<DevClusterSession> StartAsync(string ns, DevApiServerOptions? options = null)
    {
        var server = await DevApiServer.StartAsync(options ?? new DevApiServerOptions());
        var client = new Kubernetes(server.ClientConfiguration());
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return new DevClusterSession(server, client, ns);
    }

    /// <summary>Runs the test's background work until the session ends.</summary>
    public void Run(Func<CancellationToken, Task> work) => _running = work(_stop.Token);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.WaitAsync(TimeSpan.FromSeconds(10));
        Client.Dispose();
        await Server.DisposeAsync();
        _stop.Dispose();
    }
}
