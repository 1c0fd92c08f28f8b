using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Tests.Controllers.EPGroups;

namespace MoeOperator.Tests.Security;

/// <summary>
/// A pod the namespace's Pod Security level refuses is not a silent stall: the EPGroup's Ready condition and a
/// FailedCreate warning event carry the API server's message, and once the namespace allows the pods the group runs.
/// </summary>
public sealed class RefusedPodTests : IAsyncLifetime
{
    private const string Ns = "strict";
    private EPGroupCluster _ep = null!;

    public async Task InitializeAsync() => _ep = await EPGroupCluster.StartAsync(Ns, data => new KubeletOptions { DataDirectory = data, SimulatedStartDelay = TimeSpan.FromMilliseconds(200), SyncPeriod = TimeSpan.FromMilliseconds(100) });

    public async Task DisposeAsync() => await _ep.DisposeAsync();

    [Fact]
    public async Task AGroupWhosePodsTheNamespaceRefuses_SaysWhyInReadyAndAnEvent_AndRunsOnceTheLevelAllowsThem()
    {
        _ep.Kubectl("label", "namespace", Ns, "pod-security.kubernetes.io/enforce=restricted").ExitCode.ShouldBe(0);
        await _ep.CreateAsync(EPGroupCluster.Sample("epgroup-minimal.yaml", "refused"));

        var refused = await _ep.WaitForStatusAsync("refused", s => Ready(s)?["reason"]?.GetValue<string>() == "FailedCreate", "Ready to say the pods were refused", TimeSpan.FromSeconds(60));
        var events = await _ep.Json.SendAsync(HttpMethod.Get, $"/apis/events.k8s.io/v1/namespaces/{Ns}/events");
        _ep.Kubectl("label", "--overwrite", "namespace", Ns, "pod-security.kubernetes.io/enforce=baseline").ExitCode.ShouldBe(0);
        await _ep.WaitForPhaseAsync("refused", "Running", TimeSpan.FromSeconds(90));

        var message = (string?)Ready(refused)!["message"];
        message.ShouldStartWith("Error creating: pods \"refused-");
        message.ShouldContain("is forbidden: violates PodSecurity \"restricted:latest\": ");
        events.Body!["items"]!.AsArray().ShouldContain(e => (string?)e!["reason"] == "FailedCreate" && (string?)e["type"] == "Warning" && (string?)e["regarding"]!["name"] == "refused" && ((string?)e["note"] ?? "").Contains("violates PodSecurity"));
    }

    private static JsonNode? Ready(JsonNode? status) =>
        status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Ready");
}
