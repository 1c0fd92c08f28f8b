using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using k8s;
using MoeOperator.Api.Schema;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Planning.Placement;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Informers;
using Prometheus;

namespace MoeOperator.Benchmarks.Controllers;

/// <summary>
/// One whole reconcile of a settled, Running EPGroup (its 2 pods ready, its Service and expert map in place) with
/// 1,000 and 10,000 unrelated pods in the pod cache. A settled reconcile makes no API request (the fake API server
/// counts them, and setup fails if one is made), so this measures the reconciler and its cache reads alone; it
/// should cost the same at both sizes.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
#pragma warning disable CA1063 // BenchmarkDotNet derives from benchmark classes, so this one cannot be sealed
public class EPGroupReconcileBenchmarks : IDisposable
#pragma warning restore CA1063
{
    private const string Ns = "bench";
    private readonly ObjectReference _key = new(Ns, "ep");
    private ObjectCache _groups = null!;
    private EPGroupReconciler _reconciler = null!;
    private FakeApi _api = null!;

    [Params(1_000, 10_000)]
    public int UnrelatedPods { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _groups = new ObjectCache();
        var pods = new ObjectCache();
        var services = new ObjectCache();
        var configMaps = new ObjectCache();
        var nodes = new ObjectCache();
        var group = YamlDocuments.Parse(File.ReadAllText(Path.Combine(Repo(), "crds", "samples", "epgroup-minimal.yaml"))).Single();
        group["metadata"]!["name"] = "ep";
        group["metadata"]!["namespace"] = Ns;
        group["metadata"]!["uid"] = "uid-ep";
        group["metadata"]!["resourceVersion"] = "1";
        group["metadata"]!["creationTimestamp"] = "2026-12-01T00:00:00Z";
        _groups.Upsert(group);
        for (var i = 0; i < 2; i++)
        {
            nodes.Upsert(new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"n{i}", ["labels"] = new JsonObject() }, ["status"] = new JsonObject { ["allocatable"] = new JsonObject { ["nvidia.com/gpu"] = "8" }, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) } });
        }

        for (var i = 0; i < UnrelatedPods; i++)
        {
            pods.Upsert(Pod($"team-{i % 50}", $"other-{i}", $"owner-{i % 500}", $"n{i % 2}", ready: true));
        }

        _api = new FakeApi();
        var json = new KubernetesJsonClient(new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, _api));
        var ledger = new PlacementLedger(TimeProvider.System);
        _reconciler = new EPGroupReconciler(View(_groups), View(pods), View(services), View(configMaps), View(nodes), View(new ObjectCache()), json,
            new EventRecorder(json, "bench", "bench", TimeProvider.System), new EPGroupMetrics(Metrics.NewCustomRegistry()), ledger, TimeProvider.System);

        // Converge: every object the reconciler creates lands in its cache, every status it writes on the group,
        // and the pods it creates run and are ready; then a reconcile must make no request at all.
        for (var round = 0; round < 20 && (round == 0 || _api.Requests > 0); round++)
        {
            _api.Requests = 0;
            await _reconciler.ReconcileAsync(_key, CancellationToken.None);
            foreach (var created in _api.Created)
            {
                var target = (string?)created["kind"] switch { "Pod" => pods, "Service" => services, "ConfigMap" => configMaps, _ => null };
                if ((string?)created["kind"] == "Pod")
                {
                    created["metadata"]!["uid"] = Guid.NewGuid().ToString();
                    created["spec"]!["nodeName"] = $"n{created["metadata"]!["labels"]![EPGroupNames.NodeIndexLabel]}";
                    created["status"] = Pod("", "", "", "", ready: true)["status"]!.DeepClone();
                }

                target?.Upsert(created);
            }

            _api.Created.Clear();
            if (_api.StatusPatches.Count > 0)
            {
                var current = _groups.Get(_key)!;
                foreach (var patch in _api.StatusPatches)
                {
                    current["status"] = MoeOperator.DevCluster.Patching.MergePatch.Apply(current["status"], patch["status"]);
                }

                current["metadata"]!["resourceVersion"] = $"{int.Parse((string)current["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture) + 1}";
                _groups.Upsert(current);
                _api.StatusPatches.Clear();
            }
        }

        _api.Requests = 0;
        await _reconciler.ReconcileAsync(_key, CancellationToken.None);
        if (_api.Requests != 0 || (string?)_groups.Get(_key)!["status"]!["phase"] != "Running")
        {
            throw new InvalidOperationException($"the group did not settle: {_api.Requests} requests, status {_groups.Get(_key)!["status"]!.ToJsonString()}");
        }
    }

    public void Dispose()
    {
        _api?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark]
    public async Task<bool> SettledReconcile() => (await _reconciler.ReconcileAsync(_key, CancellationToken.None)).RequeueAfter is not null;

    private static CacheView View(ObjectCache cache) => new([cache]);

    private static string Repo()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "MoeOperator.slnx")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("run from inside the repository");
        }

        return directory;
    }

    private static JsonObject Pod(string ns, string name, string owner, string node, bool ready) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["namespace"] = ns,
            ["name"] = name,
            ["labels"] = new JsonObject { ["app"] = "worker" },
            ["ownerReferences"] = new JsonArray(new JsonObject { ["uid"] = owner }),
        },
        ["spec"] = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(new JsonObject { ["name"] = "w", ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpu"] = "1" } } }) },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
        },
    };

    /// <summary>An API server that accepts every create and status patch and remembers them.</summary>
    private sealed class FakeApi : DelegatingHandler
    {
        public int Requests { get; set; }

        public List<JsonObject> Created { get; } = [];

        public List<JsonObject> StatusPatches { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            var body = request.Content is null ? null : JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
            if (request.Method == HttpMethod.Post && body is not null && !request.RequestUri!.AbsolutePath.Contains("/events", StringComparison.Ordinal))
            {
                Created.Add(body);
            }
            else if (request.Method == HttpMethod.Patch && request.RequestUri!.AbsolutePath.EndsWith("/status", StringComparison.Ordinal) && body is not null)
            {
                StatusPatches.Add(body);
            }

            return new HttpResponseMessage(request.Method == HttpMethod.Post ? HttpStatusCode.Created : HttpStatusCode.OK)
            {
                Content = new StringContent(body?.ToJsonString() ?? "{}", Encoding.UTF8, "application/json"),
            };
        }
    }
}
