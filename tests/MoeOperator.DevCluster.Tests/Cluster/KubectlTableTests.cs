using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// kubectl get prints the built-in workload kinds with the real server's columns (READY, UP-TO-DATE, AVAILABLE;
/// DESIRED, CURRENT; STATUS, COMPLETIONS, DURATION; PORT(S)), and -o wide adds the template's containers, images and
/// selector.
/// </summary>
public sealed partial class KubectlTableTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Workloads_AndServices_PrintTheRealServersColumns()
    {
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/deployments", Workload("apps/v1", "Deployment", "web", 2, "example.com/web:1", "Always"));
        await _cluster.CreateAsync("/apis/batch/v1/namespaces/{ns}/jobs", new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = "once" },
            ["spec"] = new JsonObject { ["completions"] = 2, ["template"] = Template("example.com/once:1", "Never", "once") },
        });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["type"] = "NodePort",
                ["selector"] = new JsonObject { ["app"] = "web" },
                ["ports"] = new JsonArray(new JsonObject { ["port"] = 8080, ["targetPort"] = 80, ["nodePort"] = 30080 }),
            },
        });
        await _cluster.WaitForAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/deployments/web"))?["status"]?["availableReplicas"] == 2, "two available replicas", TimeSpan.FromSeconds(60));
        await _cluster.WaitForAsync(async () => (int?)(await _cluster.GetAsync("/apis/batch/v1/namespaces/{ns}/jobs/once"))?["status"]?["succeeded"] == 2, "the job's two completions", TimeSpan.FromSeconds(60));

        var deployments = Table("get", "deployments", "-o", "wide");
        deployments.Header.ShouldBe(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
        deployments.Row("web").ShouldSatisfyAllConditions(
            r => r["READY"].ShouldBe("2/2"),
            r => r["UP-TO-DATE"].ShouldBe("2"),
            r => r["AVAILABLE"].ShouldBe("2"),
            r => r["CONTAINERS"].ShouldBe("main"),
            r => r["IMAGES"].ShouldBe("example.com/web:1"),
            r => r["SELECTOR"].ShouldBe("app=web"));

        var replicaSets = Table("get", "replicasets");
        replicaSets.Header.ShouldBe(["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
        replicaSets.Rows.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            r => r["NAME"].ShouldStartWith("web-"),
            r => r["DESIRED"].ShouldBe("2"),
            r => r["CURRENT"].ShouldBe("2"),
            r => r["READY"].ShouldBe("2"));

        var jobs = Table("get", "jobs");
        jobs.Header.ShouldBe(["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
        await _cluster.WaitForAsync(() => Task.FromResult(Table("get", "jobs").Row("once")["STATUS"] == "Complete"), "kubectl to show the job Complete", TimeSpan.FromSeconds(30));
        jobs = Table("get", "jobs");
        jobs.Row("once")["COMPLETIONS"].ShouldBe("2/2");
        jobs.Row("once")["DURATION"].ShouldMatch("^[0-9]+s$");

        var services = Table("get", "services", "-o", "wide");
        services.Header.ShouldBe(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]);
        services.Row("web").ShouldSatisfyAllConditions(
            r => r["TYPE"].ShouldBe("NodePort"),
            r => r["CLUSTER-IP"].ShouldStartWith("10.96."),
            r => r["EXTERNAL-IP"].ShouldBe("<none>"),
            r => r["PORT(S)"].ShouldBe("8080:30080/TCP"),
            r => r["SELECTOR"].ShouldBe("app=web"));
    }

    private static JsonObject Template(string image, string restartPolicy, string app) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } },
        ["spec"] = new JsonObject { ["restartPolicy"] = restartPolicy, ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = image }) },
    };

    private static JsonObject Workload(string apiVersion, string kind, string name, int replicas, string image, string restartPolicy) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = Template(image, restartPolicy, name),
        },
    };

    private PrintedTable Table(params string[] arguments)
    {
        var result = _cluster.Kubectl([.. arguments, "-n", ClusterSession.Ns]);
        result.ExitCode.ShouldBe(0, result.Output);
        return PrintedTable.Parse(result.Stdout);
    }

    /// <summary>kubectl's aligned table, read by the header's column offsets (a cell may be empty).</summary>
    private sealed partial record PrintedTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows)
    {
        public IReadOnlyDictionary<string, string> Row(string name) =>
            Rows.FirstOrDefault(r => r["NAME"] == name) ?? throw new ShouldAssertException($"no row named {name} in\n{string.Join("\n", Rows.Select(r => string.Join(" | ", r.Values)))}");

        public static PrintedTable Parse(string text)
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var starts = HeaderCell().Matches(lines[0]).Select(m => (m.Value, m.Index)).ToList();
            var rows = lines.Skip(1).Select(line => (IReadOnlyDictionary<string, string>)starts.Select((cell, i) =>
            {
                var end = i + 1 < starts.Count ? Math.Min(starts[i + 1].Index, line.Length) : line.Length;
                return (cell.Value, Text: cell.Index < line.Length ? line[cell.Index..end].Trim() : "");
            }).ToDictionary(c => c.Value, c => c.Text)).ToList();
            return new PrintedTable([.. starts.Select(s => s.Value)], rows);
        }

        [GeneratedRegex(@"\S+(?: \S+)*")]
        private static partial Regex HeaderCell();
    }
}
