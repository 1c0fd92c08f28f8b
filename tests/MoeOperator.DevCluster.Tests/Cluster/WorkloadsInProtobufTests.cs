using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Protobuf;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// The workload kinds the cluster's controllers keep status on (StatefulSet with its claims, DaemonSet, Deployment and
/// its ReplicaSets, Job) answer a protobuf-only client in protobuf, and what comes back reads as the object the
/// server stores in JSON: every field those controllers write is described, and each number's zero is kept or
/// dropped as the real server's JSON does.
/// </summary>
public sealed class WorkloadsInProtobufTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    private static JsonObject Template(string app) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "example.com/server:1" }) },
    };

    private static JsonObject Workload(string kind, string name, JsonObject spec) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    [Fact]
    public async Task ControllerManagedWorkloads_ReadTheSameInProtobufAsInJson()
    {
        var selector = (string app) => new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } };
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/statefulsets", Workload("StatefulSet", "db", new JsonObject
        {
            ["replicas"] = 2,
            ["serviceName"] = "db",
            ["selector"] = selector("db"),
            ["template"] = Template("db"),
            ["volumeClaimTemplates"] = new JsonArray(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "data" },
                ["spec"] = new JsonObject { ["accessModes"] = new JsonArray("ReadWriteOnce"), ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } } },
            }),
        }));
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/daemonsets", Workload("DaemonSet", "agent", new JsonObject { ["selector"] = selector("agent"), ["template"] = Template("agent") }));
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/deployments", Workload("Deployment", "web", new JsonObject { ["replicas"] = 2, ["selector"] = selector("web"), ["template"] = Template("web") }));
        await _cluster.WaitForAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/statefulsets/db"))?["status"]?["readyReplicas"] == 2, "db to have two ready replicas", TimeSpan.FromSeconds(60));
        await _cluster.WaitForAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/deployments/web"))?["status"]?["availableReplicas"] == 2, "web to have two available replicas", TimeSpan.FromSeconds(60));
        await _cluster.WaitForAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/daemonsets/agent"))?["status"]?["numberReady"] > 0, "agent to run", TimeSpan.FromSeconds(60));

        var paths = new List<string> { "/apis/apps/v1/namespaces/{ns}/statefulsets/db", "/apis/apps/v1/namespaces/{ns}/daemonsets/agent", "/apis/apps/v1/namespaces/{ns}/deployments/web" };
        var replicaSets = (await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/replicasets"))!["items"]!.AsArray();
        var claims = (await _cluster.GetAsync("/api/v1/namespaces/{ns}/persistentvolumeclaims"))!["items"]!.AsArray();
        paths.AddRange(replicaSets.Select(r => $"/apis/apps/v1/namespaces/{{ns}}/replicasets/{r!["metadata"]!["name"]}"));
        paths.AddRange(claims.Select(c => $"/api/v1/namespaces/{{ns}}/persistentvolumeclaims/{c!["metadata"]!["name"]}"));
        replicaSets.Count.ShouldBeGreaterThan(0);
        claims.Count.ShouldBe(2, "one claim per replica of db");

        using var http = Http();
        foreach (var path in paths.Select(p => p.Replace("{ns}", ClusterSession.Ns, StringComparison.Ordinal)))
        {
            await _cluster.WaitForAsync(
                async () =>
                {
                    var json = (await _cluster.GetAsync(path))!.AsObject();
                    using var request = new HttpRequestMessage(HttpMethod.Get, path);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ProtobufResponses.MediaType));
                    using var response = await http.SendAsync(request);
                    ((int)response.StatusCode).ShouldBe(200, $"{path}: {await response.Content.ReadAsStringAsync()}");
                    response.Content.Headers.ContentType!.MediaType.ShouldBe(ProtobufResponses.MediaType, path);
                    var decoded = ProtobufBodies.Decode(await response.Content.ReadAsByteArrayAsync());
                    // A controller may write between the two reads; only the same version must read the same.
                    return (string?)decoded["metadata"]!["resourceVersion"] != (string?)json["metadata"]!["resourceVersion"]
                        ? false
                        : JsonNode.DeepEquals(decoded, json) ? true : throw new ShouldAssertException($"{path} in protobuf reads\n{decoded.ToJsonString()}\nin JSON\n{json.ToJsonString()}");
                },
                $"{path} to read the same in both encodings",
                TimeSpan.FromSeconds(30));
        }
    }

    private HttpClient Http()
    {
#pragma warning disable CA2000 // the handler is owned and disposed by the HttpClient
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => _cluster.Cluster.Server.IsTrustedServerCertificate(certificate) })
        {
            BaseAddress = new Uri(_cluster.Cluster.Server.Url),
        };
#pragma warning restore CA2000
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _cluster.Cluster.Server.Token);
        return http;
    }
}
