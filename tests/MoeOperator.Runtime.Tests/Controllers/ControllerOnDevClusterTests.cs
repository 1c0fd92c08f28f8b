using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Informers;
using MoeOperator.Testing;

namespace MoeOperator.Runtime.Tests.Controllers;

/// <summary>
/// A small test controller on the dev API server: for every ConfigMap labelled role=source it keeps a child
/// ConfigMap "&lt;name&gt;-copy" with the same data, owned by the source.
/// </summary>
public sealed class ControllerOnDevClusterTests : IAsyncLifetime
{
    private const string Ns = "ctl";
    private const string Path = $"/api/v1/namespaces/{Ns}/configmaps";
    private readonly ConcurrentQueue<Exception> _errors = new();
    private DevClusterSession _session = null!;
    private CopyReconciler _reconciler = null!;

    public async Task InitializeAsync() => _session = await DevClusterSession.StartAsync(Ns);

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private void StartController(TimeSpan resync)
    {
        var options = new InformerOptions { ResyncPeriod = resync, InitialReconnectDelay = TimeSpan.FromMilliseconds(50) };
        var controller = new Controller("copy", TimeProvider.System, onError: (_, e) => _errors.Enqueue(e));
        var sources = controller.For(new KubernetesListWatchSource(_session.Client, Path), options);
        var children = controller.Owns(new KubernetesListWatchSource(_session.Client, Path), "ConfigMap", options);
        _reconciler = new CopyReconciler(sources.Cache.Get, children.Cache.Get, new ChildWriter(new KubernetesJsonClient(_session.Client)));
        _session.Run(token => controller.RunAsync(_reconciler, workers: 2, token));
    }

    private Task<V1ConfigMap> CreateSourceAsync(string name, string value) => _session.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["role"] = "source" } },
        Data = new Dictionary<string, string> { ["value"] = value },
    }, Ns);

    private async Task<string?> CopiedValueAsync(string name)
    {
        var list = await _session.Client.CoreV1.ListNamespacedConfigMapAsync(Ns, fieldSelector: $"metadata.name={name}-copy");
        return list.Items.SingleOrDefault()?.Data?["value"];
    }

    [Fact]
    public async Task Converges_AndResyncsOfAConvergedWorldWriteNothing()
    {
        await CreateSourceAsync("alpha", "1");
        StartController(resync: TimeSpan.FromMilliseconds(200));

        await Eventually.HoldsAsync(async () => await CopiedValueAsync("alpha") == "1", "the copy");
        var copy = await _session.Client.CoreV1.ReadNamespacedConfigMapAsync("alpha-copy", Ns);
        copy.Metadata.OwnerReferences.ShouldHaveSingleItem().Name.ShouldBe("alpha");

        // The copy is visible to the test before the reconcile that created it has recorded its outcome, and
        // before the child informer has seen it; one Unchanged outcome proves both, so the baseline starts after.
        await Eventually.HoldsAsync(() => Task.FromResult(_reconciler.Outcomes.Contains(ChildOutcome.Unchanged)), "a reconcile that finds the copy in its cache");
        _reconciler.Outcomes.ShouldContain(ChildOutcome.Created);
        _session.Server.Requests.Reset();
        var before = _reconciler.Outcomes.Count;
        await Eventually.HoldsAsync(() => Task.FromResult(_reconciler.Outcomes.Count >= before + 4), "several resync reconciles");

        _session.Server.Requests.Writes().ShouldBe(0, "a no-op resync performs zero write requests");
        _reconciler.Outcomes.Skip(before).ShouldAllBe(o => o == ChildOutcome.Unchanged);
    }

    [Fact]
    public async Task InjectedServerErrorsAndConflicts_ConvergeWithBackoff()
    {
        await CreateSourceAsync("beta", "1");
        _session.Server.Faults.FailNext("create", "configmaps", 500, count: 2);
        StartController(resync: TimeSpan.Zero);

        await Eventually.HoldsAsync(async () => await CopiedValueAsync("beta") == "1", "the copy despite two failed creates");
        _errors.Count.ShouldBeGreaterThanOrEqualTo(2);

        // The controller patches the copy; the test replaces the source, so the injected conflict hits the controller.
        var errorsBefore = _errors.Count;
        _session.Server.Faults.FailNext("patch", "configmaps", 409, count: 1);
        var source = await _session.Client.CoreV1.ReadNamespacedConfigMapAsync("beta", Ns);
        source.Data["value"] = "2";
        await _session.Client.CoreV1.ReplaceNamespacedConfigMapAsync(source, "beta", Ns);

        await Eventually.HoldsAsync(async () => await CopiedValueAsync("beta") == "2", "the copy to follow the source after a conflict");
        _errors.Count.ShouldBe(errorsBefore, "a conflict is a quiet requeue, not an error");
    }

    [Fact]
    public async Task DeletingTheSource_DeletesTheCopyThroughItsOwnerReference()
    {
        await CreateSourceAsync("gamma", "1");
        StartController(resync: TimeSpan.Zero);
        await Eventually.HoldsAsync(async () => await CopiedValueAsync("gamma") == "1", "the copy");

        await _session.Client.CoreV1.DeleteNamespacedConfigMapAsync("gamma", Ns);

        await Eventually.HoldsAsync(async () => await CopiedValueAsync("gamma") is null, "the copy to be collected");
    }
}
