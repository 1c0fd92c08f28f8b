using System.Net;
using System.Net.Sockets;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// A pod's way to the API server: a TCP relay on the pod's own address (the pod's hosts file maps
/// kubernetes.default.svc to it) to the API server. Partitioning it cuts every open connection and refuses new
/// ones, so a test can take one pod off the API server while the rest of the cluster carries on.
/// </summary>
internal sealed class ApiProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private volatile bool _partitioned;

    public ApiProxy(IPAddress address, IPEndPoint server)
    {
        _server = server;
        _listener = new TcpListener(address, server.Port);
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>While true, the pod cannot reach the API server.</summary>
    public bool Partitioned
    {
        get => _partitioned;
        set
        {
            _partitioned = value;
            if (value)
            {
                CloseAll();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        CloseAll();
        _stop.Dispose();
    }

    private void CloseAll()
    {
        lock (_gate)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_partitioned)
            {
                client.Dispose();
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        lock (_gate)
        {
            _open.Add(client);
            _open.Add(upstream);
        }

        try
        {
            await upstream.ConnectAsync(_server, _stop.Token);
            var down = client.GetStream();
            var up = upstream.GetStream();
            await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A closed side, a partition or shutdown ends the relay.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }

            client.Dispose();
        }
    }
}
