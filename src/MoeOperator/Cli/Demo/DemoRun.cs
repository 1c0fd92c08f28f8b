using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using MoeOperator.Api.Schema;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Cli.Demo;

/// <summary>
/// <c>moe dev up --demo</c>: applies the demo EPGroup (crds/samples/epgroup-demo.yaml, built into this program),
/// shows its progress every two seconds (ranks, tokens/s scraped from the ranks, imbalance) until the operator has
/// rebalanced it and the ranks have measured the new map, then prints a summary. Returns 0 then, 1 when the group
/// fails or the deadline passes.
/// </summary>
internal sealed class DemoRun(Kubernetes client, TextWriter output, TimeSpan deadline)
{
    public const string Namespace = "default";
    private const string ResourceName = "epgroup-demo.yaml";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var json = new KubernetesJsonClient(client);
        var group = YamlDocuments.Parse(await SampleAsync()).Single();
        var name = (string)group["metadata"]!["name"]!;
        var collection = $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/epgroups";
        var (created, body) = await json.SendAsync(HttpMethod.Post, collection, group, cancellationToken: cancellationToken);
        if ((int)created is not (201 or 409))
        {
            await output.WriteLineAsync($"demo: could not create the EPGroup: {body?.ToJsonString()}");
            return 1;
        }

        await output.WriteLineAsync($"demo: applied EPGroup {Namespace}/{name} (4 ranks of the real moe-worker, Zipf-skewed routing); watch it with `kubectl get epgroups,pods`");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? readyAt = null;
        string? last = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var (_, current) = await json.SendAsync(HttpMethod.Get, $"{collection}/{name}", cancellationToken: cancellationToken);
            var (_, pods) = await json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/pods?labelSelector={Uri.EscapeDataString($"{EPGroupNames.GroupLabel}={name}")}", cancellationToken: cancellationToken);
            var view = DemoView.From(current as JsonObject, await TokensPerSecondAsync(http, pods, cancellationToken));
            readyAt ??= view.ReadyRanks == view.Ranks && view.Ranks > 0 ? clock.Elapsed : null;
            var line = view.Line();
            if (line != last)
            {
                await output.WriteLineAsync($"[{clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}] {line}");
                last = line;
            }

            if (view.Failed)
            {
                await output.WriteLineAsync($"demo: the group failed: {view.Failure}");
                return 1;
            }

            if (view.Rebalanced)
            {
                await output.WriteLineAsync(view.Summary(readyAt ?? clock.Elapsed, clock.Elapsed));
                return 0;
            }

            if (clock.Elapsed > deadline)
            {
                await output.WriteLineAsync($"demo: no rebalance within {deadline.TotalMinutes} minutes; see `kubectl describe epgroup {name}`");
                return 1;
            }
        }

        return 1;
    }

    private static async Task<string> SampleAsync()
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not built into this program");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    // Each pod serves its ranks' metrics on its own IP; the dev cluster's pod IPs are loopback addresses of this machine.
    private static async Task<double> TokensPerSecondAsync(HttpClient http, JsonNode? pods, CancellationToken cancellationToken)
    {
        var total = 0.0;
        foreach (var ip in pods?["items"]?.AsArray().Select(p => (string?)p?["status"]?["podIP"]).OfType<string>() ?? [])
        {
            try
            {
                var text = await http.GetStringAsync(new Uri($"http://{ip}:{EPGroupNames.MetricsPort}/metrics"), cancellationToken);
                total += WorkerMetricsText.Sum(text, "moe_worker_tokens_per_second");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A rank still starting (or restarting) has no endpoint yet.
            }
        }

        return total;
    }
}
