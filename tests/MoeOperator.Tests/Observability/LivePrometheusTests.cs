using System.Text.RegularExpressions;
using MoeOperator.Api.Schema;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Testing;
using MoeOperator.Tests.Chart;
using Xunit.Abstractions;

namespace MoeOperator.Tests.Observability;

/// <summary>
/// The chart's dashboards and alerts against a real Prometheus scraping a running system: <c>moe dev up</c> runs the
/// operator, a ThreeFSCluster, an EPGroup of real workers and a TrainingJob (the crds/samples the demo uses);
/// Prometheus scrapes the operator and, through the chart's PodMonitor, the worker pods at their 127.x addresses,
/// and evaluates the chart's rules with every <c>for:</c> shortened by the chart's own override. Every dashboard
/// panel must return data, every metric a dashboard or rule names must be in the scrape, and the EP group and 3FS
/// alerts must fire on their faults (a killed rank, a stopped storage daemon) and resolve after recovery.
/// </summary>
public sealed partial class LivePrometheusTests(ITestOutputHelper output)
{
    private const string Ns = "default";
    // The demo's samples under names of their own: a test that checks the demo leaves no ranks behind looks for
    // processes of ep-demo, and may run beside this one.
    private const string Group = "ep-live";
    private const string Storage = "tfs-live";
    private const string Job = "tj-live";

    // The template variables as Grafana fills them for one object of each dashboard.
    private static readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal)
    {
        ["$__rate_interval"] = "30s",
        ["$__interval"] = "15s",
        ["$__range"] = "5m",
        ["$namespace"] = Ns,
        ["$epgroup"] = Group,
        ["$cluster"] = Storage,
        ["$trainingjob"] = Job,
    };

    [Fact]
    public async Task EveryPanelHasData_EveryMetricIsScraped_AndTheAlertsFireOnTheirFaultsAndResolve()
    {
        using var scratch = new ScratchDirectory();
        await using var dev = await DevUpProcess.StartAsync(scratch.Path("state"), scratch.Path("kube-cache"));
        var chart = RenderedChart.Objects("prometheusRule.enabled=true", "prometheusRule.forOverride=3s", "workerPodMonitor.enabled=true");
        var rules = RenderedChart.Single(chart, "PrometheusRule")["spec"]!;
        var rulesFile = scratch.Path("rules.yaml");
        await File.WriteAllTextAsync(rulesFile, rules.ToJsonString());
        var workers = new PodMonitorTargets(RenderedChart.Single(chart, "PodMonitor"));
        var workersFile = scratch.Path("workers.json");
        workers.Write(workersFile, []);
        Directory.CreateDirectory(scratch.Path("prometheus"));
        await using var prometheus = await PrometheusServer.StartAsync(scratch.Path("prometheus"), new Dictionary<string, string> { ["moe-operator"] = dev.MetricsAddress }, ("moe-workers", workersFile), rulesFile);
        using var stop = new CancellationTokenSource();
        var discovery = DiscoverAsync(dev, workers, workersFile, stop.Token);
        try
        {
            foreach (var (sample, name) in new[] { ("threefscluster-minimal.yaml", Storage), ("epgroup-demo.yaml", Group), ("trainingjob-demo.yaml", Job) })
            {
                var resource = YamlDocuments.Parse(await File.ReadAllTextAsync(RepoPaths.Of("crds", "samples", sample))).Single();
                resource["metadata"]!["name"] = name;
                var file = scratch.Path(name + ".json");
                await File.WriteAllTextAsync(file, resource.ToJsonString());
                var applied = dev.Kubectl("apply", "-n", Ns, "-f", file);
                applied.ExitCode.ShouldBe(0, applied.Output);
            }

            await WaitAsync(dev, () => Field(dev, "tfs", Storage, "{.status.phase}") == "Ready", "the 3FS cluster to serve", TimeSpan.FromMinutes(5));
            await WaitAsync(dev, () => Field(dev, "epg", Group, "{.status.readyRanks}") == "4" && Field(dev, "epg", Group, "{.status.expertMap.measuredImbalance}") != "", "the EP group's 4 ranks to run and report their load", TimeSpan.FromMinutes(5));
            await WaitAsync(dev, () => Field(dev, "tj", Job, "{.status.phase}") == "Succeeded", "the training job to train every step", TimeSpan.FromMinutes(5));

            await EveryPanelReturnsDataAsync(dev, prometheus);
            await EveryMetricNamedIsScrapedAsync(prometheus);
            await TheExportsPassPromtoolAsync(dev, workers);
            await MoeTop_ShowsTheNumbersPrometheusHasAsync(dev, prometheus);
            await AKilledRank_FiresTheGroupAlert_ThenItResolvesAsync(dev, prometheus);
            await AStoppedStorageDaemon_FiresTheChainsAlert_ThenItResolvesAsync(dev, prometheus);
        }
        finally
        {
            await stop.CancelAsync();
            await discovery;
        }
    }

    private async Task EveryPanelReturnsDataAsync(DevUpProcess dev, PrometheusServer prometheus)
    {
        var panels = ChartDashboards.Names
            .SelectMany(name => ChartDashboards.Panels(ChartDashboards.Get(name)).Select(panel => (Dashboard: name, panel.Title, panel.Query)))
            .Select(p => p with { Query = _variables.Aggregate(p.Query, (query, variable) => query.Replace(variable.Key, variable.Value, StringComparison.Ordinal)) })
            .ToList();
        panels.Count.ShouldBeGreaterThan(30, "every dashboard's panels");
        var empty = panels;
        await WaitAsync(
            dev,
            async () =>
            {
                var stillEmpty = new List<(string Dashboard, string Title, string Query)>();
                foreach (var panel in empty)
                {
                    if ((await prometheus.QueryAsync(panel.Query)).Count == 0)
                    {
                        stillEmpty.Add(panel);
                    }
                }

                empty = stillEmpty;
                return empty.Count == 0;
            },
            "every dashboard panel's query to return a series",
            TimeSpan.FromMinutes(2),
            async () => $"panels without data:\n{string.Join('\n', empty.Select(p => $"{p.Dashboard} '{p.Title}': {p.Query}"))}\ntargets:\n{await prometheus.TargetsAsync()}");
        output.WriteLine($"{panels.Count} panel queries over {ChartDashboards.Names.Count} dashboards returned data");
    }

    private static async Task EveryMetricNamedIsScrapedAsync(PrometheusServer prometheus)
    {
        var ruleQueries = RenderedChart.Objects("prometheusRule.enabled=true").Where(o => (string?)o["kind"] == "PrometheusRule")
            .SelectMany(r => r["spec"]!["groups"]!.AsArray()).SelectMany(g => g!["rules"]!.AsArray()).Select(r => (string)r!["expr"]!);
        var named = ChartDashboards.AllQueries().Concat(ruleQueries)
            .SelectMany(query => MetricName().Matches(query).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        var scraped = await prometheus.MetricNamesAsync();

        named.Count.ShouldBeGreaterThan(30, "the regex finds the names in the queries");
        named.Where(name => !scraped.Contains(name)).ShouldBeEmpty("every metric the dashboards and alerts use is one the operator or the workers export");

        // Label sets stay bounded: nothing per token, per step, per request or per pod UID.
        var labels = await prometheus.LabelNamesAsync();
        labels.ShouldContain("epgroup");
        labels.Intersect(["uid", "pod_uid", "step", "token", "request_id", "trace_id"]).ShouldBeEmpty();
    }

    private static async Task TheExportsPassPromtoolAsync(DevUpProcess dev, PodMonitorTargets workers)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var worker = (string)workers.Groups(dev.Pods()).First()!["targets"]![0]!;
        foreach (var address in (string[])[dev.MetricsAddress, worker])
        {
            var metrics = await http.GetStringAsync(new Uri($"http://{address}/metrics"));
            var check = Tools.Run(Tools.Promtool, ["check", "metrics"], stdin: metrics);
            check.ExitCode.ShouldBe(0, $"promtool check metrics on {address}: {check.Output}");
        }
    }

    // moe top reads status and the workers' /metrics (through pods/proxy) itself; Prometheus computes the same numbers
    // from its scrape. Settled numbers must agree exactly; the workers' latency and load move on between the two
    // reads, so those agree within a margin.
    private async Task MoeTop_ShowsTheNumbersPrometheusHasAsync(DevUpProcess dev, PrometheusServer prometheus)
    {
        var top = dev.Moe("top", "-n", Ns, "--heatmap", Group);
        top.ExitCode.ShouldBe(0, top.Output);
        output.WriteLine(top.Stdout);
        var lines = top.Stdout.Split('\n');
        string[] Row(string name) => lines.Single(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [Ns, var n, ..] && n == name).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        async Task<double> ValueAsync(string query) => double.Parse((string)(await prometheus.QueryAsync(query)).ShouldHaveSingleItem(query)["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture);
        string Whole(double value) => value.ToString("0", System.Globalization.CultureInfo.InvariantCulture);

        var group = Row(Group);
        group[3].ShouldBe($"{Whole(await ValueAsync($"sum(moe_epgroup_ranks{{epgroup=\"{Group}\",state=\"ready\"}})"))}/{Whole(await ValueAsync($"sum(moe_epgroup_ranks{{epgroup=\"{Group}\"}})"))}");
        var p50 = double.Parse(group[5].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture) / 1000;
        var prometheusP50 = await ValueAsync($"histogram_quantile(0.5, sum by (le) (moe_worker_dispatch_seconds_bucket{{epgroup=\"{Group}\"}}))");
        p50.ShouldBe(prometheusP50, (prometheusP50 * 0.25) + 0.0005, "dispatch p50 over every observation, as histogram_quantile computes it");
        var storage = Row(Storage);
        storage[4].ShouldBe($"{Whole(await ValueAsync($"sum(moe_threefs_chains{{cluster=\"{Storage}\",state=\"serving\"}})"))}/{Whole(await ValueAsync($"sum(moe_threefs_chains{{cluster=\"{Storage}\"}})"))}");
        var job = Row(Job);
        job[3].ShouldStartWith($"{Whole(await ValueAsync($"moe_trainingjob_step{{trainingjob=\"{Job}\"}}"))}/");
        job[4].ShouldBe((await ValueAsync($"moe_trainingjob_loss{{trainingjob=\"{Job}\"}}")).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
        var load = double.Parse(lines.Single(l => l.Contains("GPU load max/mean:", StringComparison.Ordinal)).Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        var perRank = $"sum by (rank) (moe_worker_slot_tokens_total{{epgroup=\"{Group}\"}})";
        load.ShouldBe(await ValueAsync($"max({perRank}) / avg({perRank})"), 0.05, "the heatmap's GPU load max/mean");
    }

    private async Task AKilledRank_FiresTheGroupAlert_ThenItResolvesAsync(DevUpProcess dev, PrometheusServer prometheus)
    {
        var alert = $"ALERTS{{alertname=\"MoeEPGroupRanksNotReady\",namespace=\"{Ns}\",epgroup=\"{Group}\"}}";
        (await prometheus.QueryAsync(alert)).ShouldBeEmpty("the group's ranks are all ready before the fault");

        dev.Signal($"{Group}-1", "KILL").ShouldBeGreaterThan(0, "the rank's process");

        await WaitAsync(dev, async () => (await prometheus.QueryAsync($"max_over_time({alert.Replace("}", ",alertstate=\"firing\"}", StringComparison.Ordinal)}[10m])")).Count > 0, "the ranks-not-ready alert to fire", TimeSpan.FromMinutes(3), prometheus.TargetsAsync);
        await WaitAsync(dev, () => Field(dev, "epg", Group, "{.status.readyRanks}") == "4" && Field(dev, "epg", Group, "{.status.restarts}") == "1", "the group to restart once and run again", TimeSpan.FromMinutes(3));
        await WaitAsync(dev, async () => (await prometheus.QueryAsync(alert)).Count == 0, "the alert to resolve", TimeSpan.FromMinutes(2), prometheus.TargetsAsync);
        output.WriteLine("MoeEPGroupRanksNotReady fired on the killed rank and resolved after the restart");
    }

    private async Task AStoppedStorageDaemon_FiresTheChainsAlert_ThenItResolvesAsync(DevUpProcess dev, PrometheusServer prometheus)
    {
        var alert = $"ALERTS{{alertname=\"MoeThreeFSChainsNotServing\",namespace=\"{Ns}\",cluster=\"{Storage}\"}}";
        (await prometheus.QueryAsync(alert)).ShouldBeEmpty("every chain serves before the fault");
        var daemon = dev.Pods()
            .Where(p => (string?)p["metadata"]!["labels"]?[ThreeFSNames.ClusterLabel] == Storage && (string?)p["metadata"]!["labels"]?[ThreeFSNames.ComponentLabel] == "storage")
            .Select(p => (string)p["metadata"]!["name"]!)
            .Order(StringComparer.Ordinal)
            .First();

        // Stopped, not killed: the daemon misses its heartbeats while its process lives, until it is continued.
        dev.Signal(daemon, "STOP").ShouldBeGreaterThan(0, "the storage daemon's process");
        try
        {
            await WaitAsync(dev, async () => (await prometheus.QueryAsync($"max_over_time({alert.Replace("}", ",alertstate=\"firing\"}", StringComparison.Ordinal)}[10m])")).Count > 0, "the chains-not-serving alert to fire", TimeSpan.FromMinutes(3), prometheus.TargetsAsync);
        }
        finally
        {
            dev.Signal(daemon, "CONT");
        }

        await WaitAsync(dev, () => Field(dev, "tfs", Storage, "{.status.phase}") == "Ready", "every chain to serve again", TimeSpan.FromMinutes(3));
        await WaitAsync(dev, async () => (await prometheus.QueryAsync(alert)).Count == 0, "the alert to resolve", TimeSpan.FromMinutes(2), prometheus.TargetsAsync);
        output.WriteLine($"MoeThreeFSChainsNotServing fired on the stopped daemon {daemon} and resolved after it continued");
    }

    // Keeps the file of worker targets current, as the Prometheus Operator keeps discovery current.
    private static async Task DiscoverAsync(DevUpProcess dev, PodMonitorTargets workers, string file, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            workers.Write(file, dev.Pods());
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string Field(DevUpProcess dev, string resource, string name, string jsonPath) =>
        dev.Kubectl("get", resource, name, "-n", Ns, "-o", $"jsonpath={jsonPath}").Stdout.Trim();

    private static Task WaitAsync(DevUpProcess dev, Func<bool> condition, string what, TimeSpan limit) =>
        WaitAsync(dev, () => Task.FromResult(condition()), what, limit);

    // Polls every second (each poll runs kubectl or queries Prometheus); a timeout reports the cluster's state.
    private static async Task WaitAsync(DevUpProcess dev, Func<Task<bool>> condition, string what, TimeSpan limit, Func<Task<string>>? state = null)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0} s waiting for {what}; {(state is null ? "" : await state() + "\n")}cluster:\n{dev.Describe()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    [GeneratedRegex(@"\b(?:moe|controller_runtime|workqueue|leader_election|rest_client)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
