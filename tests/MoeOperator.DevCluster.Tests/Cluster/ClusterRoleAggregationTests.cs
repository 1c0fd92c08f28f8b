using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// ClusterRole aggregation as on a real cluster: view, edit and admin hold the rules of every ClusterRole labelled
/// for them, so installing the chart lets a user bound to view read EPGroups and one bound to edit create them, and
/// taking a label off takes its rules out again.
/// </summary>
public sealed class ClusterRoleAggregationTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    private string CanI(string user, string verb, string resource) =>
        _cluster.Kubectl("auth", "can-i", verb, resource, "--as", user, "-n", ClusterSession.Ns).Stdout.Trim();

    private Task WaitForAnswerAsync(string user, string verb, string resource, string answer) =>
        _cluster.WaitForAsync(() => Task.FromResult(CanI(user, verb, resource) == answer), $"{user} {(answer == "yes" ? "may" : "may not")} {verb} {resource}", TimeSpan.FromSeconds(60));

    [Fact]
    public async Task TheChartsLabelledRoles_WidenViewAndEdit_ToTheCustomResources_AndALabelTakenOffTakesItsRulesOut()
    {
        _cluster.Kubectl("create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", ClusterSession.Ns).ExitCode.ShouldBe(0);
        _cluster.Kubectl("create", "rolebinding", "bob-edit", "--clusterrole=edit", "--user=bob", "-n", ClusterSession.Ns).ExitCode.ShouldBe(0);
        await WaitForAnswerAsync("alice", "list", "pods", "yes");
        CanI("alice", "list", "epgroups.moe.dev").ShouldBe("no", "view knows nothing of the chart's kinds before it is installed");

        var install = Testing.Tools.Run(Testing.Tools.Helm, ["install", "moe", RepoPaths.Of("charts", "moe-operator"), "--kubeconfig", _cluster.Kubeconfig, "--namespace", "moe-system", "--create-namespace", "--wait=false"]);
        install.ExitCode.ShouldBe(0, install.Output);

        await WaitForAnswerAsync("alice", "list", "epgroups.moe.dev", "yes");
        CanI("alice", "create", "epgroups.moe.dev").ShouldBe("no", "view reads, it does not write");
        await WaitForAnswerAsync("bob", "create", "trainingjobs.moe.dev", "yes");
        CanI("bob", "get", "threefsclusters.moe.dev").ShouldBe("yes", "edit holds view's rules through view's aggregate-to-edit label");
        CanI("bob", "create", "rolebindings.rbac.authorization.k8s.io").ShouldBe("no", "role bindings are admin's, not edit's");

        _cluster.Kubectl("label", "clusterrole", "moe-moe-operator-view", "rbac.authorization.k8s.io/aggregate-to-view-").ExitCode.ShouldBe(0);
        await WaitForAnswerAsync("alice", "list", "epgroups.moe.dev", "no");
    }
}
