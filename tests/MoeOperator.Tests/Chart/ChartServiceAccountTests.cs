using System.Diagnostics;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Hosting;
using MoeOperator.Testing;
using Xunit.Abstractions;

namespace MoeOperator.Tests.Chart;

/// <summary>
/// The operator as the chart installs it: helm installs the chart into a dev cluster (which enforces RBAC on
/// service-account tokens), and the operator runs with the chart's ServiceAccount's token and the chart's flags, so
/// anything the chart's RBAC forgot fails the samples. The API server records what the operator was allowed to do;
/// every rule the chart grants must have been used, or be named in the chart with the reason it is kept.
/// </summary>
public sealed class ChartServiceAccountTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Release = "moe";
    private const string OperatorNamespace = "moe-system";
    private const string Account = "moe-moe-operator";
    private const string Ns = "default";
    private readonly ScratchDirectory _scratch = new();
    private LocalCluster _cluster = null!;

    private static string MoeDll => Path.Combine(AppContext.BaseDirectory, "moe.dll");

    private string Kubeconfig => _scratch.Path("kubeconfig");

    public async Task InitializeAsync()
    {
        var data = _scratch.Path("data");
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Server = new DevApiServerOptions { KubeconfigPath = Kubeconfig },
            // The demo's pool: its 3FS daemons, admin Jobs and FUSE clients each take an RDMA device.
            Nodes = new NodePoolSpec { Nodes = 4, GpusPerNode = 2, RdmaPerNode = 16 },
            Kubelet = new KubeletOptions { DataDirectory = data, Programs = new[] { WorkerProgram.ForDevCluster(), ThreeFSSimProgram.ForDevCluster(data) }.ToDictionary() },
        });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task TheOperator_AsTheChartsServiceAccount_RunsTheSamples_AndUsesEveryRuleTheChartGrants()
    {
        // The operator's namespace enforces the restricted Pod Security level, as the chart README asks.
        Kubectl("create", "namespace", OperatorNamespace).ExitCode.ShouldBe(0);
        Kubectl("label", "namespace", OperatorNamespace, "pod-security.kubernetes.io/enforce=restricted").ExitCode.ShouldBe(0);
        var install = Tools.Run(Tools.Helm, ["install", Release, RenderedChart.ChartDirectory, "--kubeconfig", Kubeconfig, "--namespace", OperatorNamespace, "--wait=false"]);
        install.ExitCode.ShouldBe(0, install.Output);
        await WaitAsync(() => Kubectl("get", "pods", "-n", OperatorNamespace, "-o", "name").Stdout.Contains("pod/" + Account, StringComparison.Ordinal), "the Deployment's pod to be admitted under restricted", () => Kubectl("get", "events", "-n", OperatorNamespace).Output);
        var token = Kubectl("create", "token", Account, "-n", OperatorNamespace, "--duration=2h");
        token.ExitCode.ShouldBe(0, token.Output);
        var accountKubeconfig = _scratch.Path("operator.kubeconfig");
        await File.WriteAllTextAsync(accountKubeconfig, DevCluster.Hosting.Kubeconfig.Render(_cluster.Server.Url, _cluster.Server.CaPem, token.Stdout.Trim()));

        // The Deployment's own arguments, but for the addresses (which must not collide on one machine).
        var deployment = JsonNode.Parse(Kubectl("get", "deployment", Account, "-n", OperatorNamespace, "-o", "json").Stdout)!;
        var arguments = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!)
            .Select(a => a.StartsWith("--metrics-bind-address=", StringComparison.Ordinal) || a.StartsWith("--health-probe-bind-address=", StringComparison.Ordinal) ? a.Split('=')[0] + "=127.0.0.1:0" : a)
            .ToList();
        arguments[0].ShouldBe("operator");
        using var operatorProcess = Start([MoeDll, .. arguments, "--kubeconfig", accountKubeconfig]);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        operatorProcess.OutputDataReceived += (_, line) => log.Enqueue(line.Data ?? "");
        operatorProcess.ErrorDataReceived += (_, line) => log.Enqueue(line.Data ?? "");
        operatorProcess.BeginOutputReadLine();
        operatorProcess.BeginErrorReadLine();
        try
        {
            // The demo's samples under names of their own (a test that checks the demo leaves no ranks behind
            // looks for processes of ep-demo, and may run beside this one).
            foreach (var (sample, name) in new[] { ("threefscluster-minimal.yaml", "tfs-minimal"), ("epgroup-demo.yaml", "ep-demo"), ("trainingjob-demo.yaml", "tj-demo") })
            {
                var resource = global::MoeOperator.Api.Schema.YamlDocuments.Parse(await File.ReadAllTextAsync(RepoPaths.Of("crds", "samples", sample))).Single();
                resource["metadata"]!["name"] = Renamed(name);
                var file = _scratch.Path(name + ".json");
                await File.WriteAllTextAsync(file, resource.ToJsonString());
                var applied = Kubectl("apply", "-n", Ns, "-f", file);
                applied.ExitCode.ShouldBe(0, applied.Output);
            }

            string Describe() => $"{Kubectl("get", "pods,epg,tfs,tj", "-A").Output}\noperator:\n{string.Join('\n', log.TakeLast(40))}";
            await WaitAsync(() => Field("tfs", Renamed("tfs-minimal"), "{.status.phase}") == "Ready", "the 3FS cluster to serve", Describe);
            await WaitAsync(() => int.TryParse(Field("epg", Renamed("ep-demo"), "{.status.expertMap.version}"), out var version) && version >= 2, "the EP group to be rebalanced on its ranks' load reports", Describe);
            await WaitAsync(() => Field("tj", Renamed("tj-demo"), "{.status.phase}") == "Succeeded", "the training job to train every step", Describe);
            Security.SecretsScan.ShouldFindNoSecretOutsideItsSecret(_cluster.Server.Service, log);
            foreach (var (kind, name) in new[] { ("tj", Renamed("tj-demo")), ("epg", Renamed("ep-demo")), ("tfs", Renamed("tfs-minimal")) })
            {
                Kubectl("delete", kind, name, "-n", Ns, "--wait=false").ExitCode.ShouldBe(0);
            }

            await WaitAsync(() => Kubectl("get", "tj,epg,tfs", "-n", Ns, "-o", "name").Stdout.Trim().Length == 0, "the samples to be deleted (their finalizers carried out)", Describe);
            log.ShouldNotContain(l => l.Contains("Forbidden", StringComparison.Ordinal) || l.Contains(" 403", StringComparison.Ordinal), "the chart grants everything the operator does");
        }
        finally
        {
            operatorProcess.Kill(entireProcessTree: true);
            await operatorProcess.WaitForExitAsync();
        }

        var used = _cluster.Server.Requests.AccessOf($"system:serviceaccount:{OperatorNamespace}:{Account}");
        var granted = Grants(RenderedChart.OperatorClusterRole(RenderedChart.Objects()))
            .Concat(Grants(RenderedChart.Single(RenderedChart.Objects(), "Role")))
            .ToHashSet();
        var kept = KeptUnused();
        output.WriteLine($"used: {string.Join(", ", used.Order().Select(Text))}");

        used.Where(u => !granted.Contains(u)).ShouldBeEmpty("every request the operator made is one a rule grants");
        granted.Where(g => !used.Contains(g) && !kept.Contains(g)).Select(Text).ShouldBeEmpty(
            "every grant is used by the samples' lifecycle, or named in the chart's ClusterRole as kept (\"# Kept unused here: VERB RESOURCE ...\")");
    }

    // The rules' (verb, group, resource) triples; the chart uses no wildcards (HelmChartTests).
    private static IEnumerable<(string Verb, string Group, string Resource)> Grants(JsonObject role) =>
        from rule in role["rules"]!.AsArray()
        from verb in rule!["verbs"]!.AsArray()
        from apiGroup in rule["apiGroups"]!.AsArray()
        from resource in rule["resources"]!.AsArray()
        select ((string)verb!, (string)apiGroup!, (string)resource!);

    // "# Kept unused here: VERB RESOURCE (why), VERB RESOURCE (why)" lines of the ClusterRole template.
    private static HashSet<(string Verb, string Group, string Resource)> KeptUnused()
    {
        var template = File.ReadAllLines(Path.Combine(RenderedChart.ChartDirectory, "templates", "clusterrole.yaml"));
        var role = RenderedChart.OperatorClusterRole(RenderedChart.Objects(RenderedChart.EverythingOn));
        var named = template.Where(l => l.TrimStart().StartsWith("# Kept unused here:", StringComparison.Ordinal))
            .SelectMany(l => System.Text.RegularExpressions.Regex.Replace(l.Split(':', 2)[1], @"\([^)]*\)", "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(entry => entry.Split(' ', 2))
            .ToList();
        return [.. Grants(role).Where(g => named.Any(n => n[0] == g.Verb && n[1] == g.Resource))];
    }

    private static string Text((string Verb, string Group, string Resource) access) => $"{access.Verb} {(access.Group.Length == 0 ? "" : access.Group + "/")}{access.Resource}";

    private static string Renamed(string sample) => sample.Split('-')[0] + "-rbac";

    private string Field(string kind, string name, string jsonPath) => Kubectl("get", kind, name, "-n", Ns, "-o", $"jsonpath={jsonPath}").Stdout.Trim();

    private ProcessResult Kubectl(params string[] arguments) =>
        Tools.Run(Tools.Kubectl, ["--kubeconfig", Kubeconfig, "--cache-dir", _scratch.Path("kube-cache"), .. arguments], timeout: TimeSpan.FromSeconds(120));

    private static Process Start(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    // Polls every second (each poll runs kubectl); a timeout says what the cluster and the operator show.
    private static async Task WaitAsync(Func<bool> condition, string what, Func<string> state)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; {state()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}
