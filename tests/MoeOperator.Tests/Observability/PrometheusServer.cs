using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Observability;

/// <summary>
/// A real Prometheus server (Debian's package) on 127.0.0.1: it scrapes the given static targets and the targets of a
/// file_sd file every second, evaluates the given rules every second, and answers instant queries and alerts over
/// its HTTP API.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    private PrometheusServer(Process process, Uri url)
    {
        _process = process;
        Url = url;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Url { get; }

    /// <summary>The server's last log lines, for failure messages.</summary>
    public string LogTail => string.Join('\n', _log.TakeLast(20));

    /// <param name="directory">Where its configuration and database go.</param>
    /// <param name="staticJobs">Scrape jobs of fixed targets: job name and host:port.</param>
    /// <param name="fileSdJob">A scrape job whose targets a file_sd file lists: job name and file.</param>
    /// <param name="rulesFile">Rules to evaluate (a Prometheus rules file).</param>
    public static async Task<PrometheusServer> StartAsync(string directory, IReadOnlyDictionary<string, string> staticJobs, (string Job, string File) fileSdJob, string rulesFile)
    {
        var scrapeConfigs = new JsonArray();
        foreach (var (job, target) in staticJobs)
        {
            scrapeConfigs.Add(new JsonObject { ["job_name"] = job, ["static_configs"] = new JsonArray(new JsonObject { ["targets"] = new JsonArray(target) }) });
        }

        scrapeConfigs.Add(new JsonObject
        {
            ["job_name"] = fileSdJob.Job,
            ["file_sd_configs"] = new JsonArray(new JsonObject { ["files"] = new JsonArray(fileSdJob.File), ["refresh_interval"] = "1s" }),
        });
        var config = new JsonObject
        {
            ["global"] = new JsonObject { ["scrape_interval"] = "1s", ["scrape_timeout"] = "1s", ["evaluation_interval"] = "1s" },
            ["rule_files"] = new JsonArray(rulesFile),
            ["scrape_configs"] = scrapeConfigs,
        };
        // JSON is YAML: Prometheus reads the configuration as written here.
        var configFile = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, config.ToJsonString());
        var check = Tools.Run(Tools.Promtool, ["check", "config", configFile]);
        check.ExitCode.ShouldBe(0, check.Output);

        var port = FreePort();
        var start = new ProcessStartInfo(Tools.Prometheus)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                $"--config.file={configFile}",
                $"--storage.tsdb.path={Path.Combine(directory, "tsdb")}",
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--log.level=warn",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start prometheus");
        var server = new PrometheusServer(process, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        process.OutputDataReceived += (_, line) => server._log.Enqueue(line.Data ?? "");
        process.ErrorDataReceived += (_, line) => server._log.Enqueue(line.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.HoldsAsync(
            async () => process.HasExited || await server.ReadyAsync(),
            "prometheus to be ready",
            TimeSpan.FromSeconds(60),
            () => server.LogTail);
        if (process.HasExited)
        {
            throw new InvalidOperationException($"prometheus exited with {process.ExitCode}: {server.LogTail}");
        }

        return server;
    }

    /// <summary>The series an instant query returns now.</summary>
    public async Task<IReadOnlyList<JsonObject>> QueryAsync(string query)
    {
        var body = await GetAsync($"api/v1/query?query={Uri.EscapeDataString(query)}");
        var data = body["data"]!;
        return (string?)data["resultType"] is "vector" or "matrix" ? [.. data["result"]!.AsArray().OfType<JsonObject>()] : [];
    }

    /// <summary>The scrape targets and their health, one line each, for failure messages.</summary>
    public async Task<string> TargetsAsync()
    {
        var body = await GetAsync("api/v1/targets");
        return string.Join('\n', body["data"]!["activeTargets"]!.AsArray().Select(t =>
            $"{t!["labels"]?["job"]} {t["scrapeUrl"]} {t["health"]} {t["lastError"]} {t["labels"]?.ToJsonString()}"));
    }

    /// <summary>Every metric name in the database.</summary>
    public async Task<IReadOnlySet<string>> MetricNamesAsync()
    {
        var body = await GetAsync("api/v1/label/__name__/values");
        return body["data"]!.AsArray().Select(n => (string)n!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every label name in the database.</summary>
    public async Task<IReadOnlySet<string>> LabelNamesAsync()
    {
        var body = await GetAsync("api/v1/labels");
        return body["data"]!.AsArray().Select(n => (string)n!).ToHashSet(StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _http.Dispose();
    }

    private async Task<bool> ReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync("-/ready");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            await Task.Delay(200);
            return false;
        }
    }

    private async Task<JsonObject> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
