using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>One probe attempt, as the kubelet makes it: an HTTP GET answered 200-399, a TCP connect, or a command that exits 0.</summary>
internal static class ProbeCheck
{
    private static readonly HttpClient _http = new(new SocketsHttpHandler
    {
        // Probes of HTTPS endpoints skip verification, as the kubelet's do: a pod's certificate names its service,
        // not the loopback address the probe dials.
#pragma warning disable CA5359
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
#pragma warning restore CA5359
        AllowAutoRedirect = false,
    });

    public static async Task<bool> RunAsync(JsonObject probe, JsonObject container, string podIp, string workingDirectory, IReadOnlyList<KeyValuePair<string, string>> environment, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds((int?)probe["timeoutSeconds"] ?? 1);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            if (probe["httpGet"] is JsonObject http)
            {
                var scheme = ((string?)http["scheme"] ?? "HTTP").ToLowerInvariant();
                var host = (string?)http["host"] ?? podIp;
                var path = (string?)http["path"] ?? "/";
                using var response = await _http.GetAsync(new Uri($"{scheme}://{host}:{Port(http["port"], container)}{(path.StartsWith('/') ? path : "/" + path)}"), limit.Token);
                return (int)response.StatusCode is >= 200 and < 400;
            }

            if (probe["tcpSocket"] is JsonObject tcp)
            {
                using var client = new TcpClient();
                await client.ConnectAsync((string?)tcp["host"] ?? podIp, Port(tcp["port"], container), limit.Token);
                return true;
            }

            if (probe["exec"]?["command"] is JsonArray command && command.Count > 0)
            {
                var start = new ProcessStartInfo((string)command[0]!) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var argument in command.Skip(1))
                {
                    start.ArgumentList.Add((string?)argument ?? "");
                }

                foreach (var (name, value) in environment)
                {
                    start.Environment[name] = value;
                }

                using var process = Process.Start(start)!;
                try
                {
                    await process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    throw;
                }

                return process.ExitCode == 0;
            }

            // gRPC probes are not modelled: they pass.
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static int Port(JsonNode? port, JsonObject container)
    {
        if (port is JsonValue value && value.TryGetValue<int>(out var number))
        {
            return number;
        }

        var name = (string?)port;
        if (int.TryParse(name, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        return (int?)container["ports"]?.AsArray().FirstOrDefault(p => (string?)p?["name"] == name)?["containerPort"]
            ?? throw new InvalidOperationException($"probe port \"{name}\" names no port of the container");
    }
}
