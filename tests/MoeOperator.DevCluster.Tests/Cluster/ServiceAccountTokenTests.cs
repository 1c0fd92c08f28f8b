using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// A pod calls the API server as its service account, as on a real cluster: the token the kubelet projects is the
/// account's, so what the pod may do is what RBAC grants the account (the namespace's default one when the pod names
/// none), not the administrator's rights.
/// </summary>
public sealed class ServiceAccountTokenTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task APodsToken_ActsAsItsServiceAccount_AndGetsOnlyWhatRbacGrantsIt()
    {
        await _cluster.WaitForAsync(async () => await _cluster.GetAsync($"/api/v1/namespaces/{ClusterSession.Ns}/serviceaccounts/default") is not null, "the namespace's default service account", TimeSpan.FromSeconds(30));

        var before = await AskAsync("before", account: null);
        await _cluster.CreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "pod-lister" },
            ["rules"] = new JsonArray(new JsonObject { ["apiGroups"] = new JsonArray(""), ["resources"] = new JsonArray("pods"), ["verbs"] = new JsonArray("list") }),
        });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "lister" } });
        await _cluster.CreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "lister-lists" },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Role", ["name"] = "pod-lister" },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "lister", ["namespace"] = ClusterSession.Ns }),
        });
        var granted = await AskAsync("granted", account: "lister");
        var stillDefault = await AskAsync("still-default", account: null);

        before.ShouldStartWith("403");
        ((string?)JsonNode.Parse(before[4..])!["message"]).ShouldBe($"pods is forbidden: User \"system:serviceaccount:{ClusterSession.Ns}:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ClusterSession.Ns}\"");
        granted.ShouldStartWith("200", customMessage: "the bound account may list pods");
        stillDefault.ShouldStartWith("403", customMessage: "the grant is the lister account's, not every pod's");
    }

    // Runs a pod (as the given account, or the default one) that lists the namespace's pods with its own token and
    // prints the HTTP status and the answer's message.
    private async Task<string> AskAsync(string name, string? account)
    {
        var pod = Manifests.PythonPod(name, $$"""
            import os, ssl, urllib.request, urllib.error
            account = "/var/run/secrets/kubernetes.io/serviceaccount"
            token = open(f"{account}/token").read()
            context = ssl.create_default_context(cafile=f"{account}/ca.crt")
            url = f"https://{os.environ['KUBERNETES_SERVICE_HOST']}:{os.environ['KUBERNETES_SERVICE_PORT']}/api/v1/namespaces/{{ClusterSession.Ns}}/pods"
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}), context=context, timeout=10) as answer:
                    print(answer.status, flush=True)
            except urllib.error.HTTPError as error:
                print(error.code, error.read().decode(), flush=True)
            """);
        if (account is not null)
        {
            pod["spec"]!["serviceAccountName"] = account;
        }

        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync($"/api/v1/namespaces/{ClusterSession.Ns}/pods/{name}"))?["status"]?["phase"] == "Succeeded", $"{name} to finish", TimeSpan.FromSeconds(60));
        return _cluster.Kubectl("logs", "-n", ClusterSession.Ns, name).Stdout.Trim();
    }
}
