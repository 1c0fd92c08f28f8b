using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// The admission plugins a pod meets on a real cluster, seen through kubectl: ServiceAccount (the default account
/// filled in, a missing account refused) and PodSecurity (a namespace's enforce label refuses pods, its warn label
/// and workload templates answer with the plugin's warning), each with the real server's words.
/// </summary>
public sealed class PodAdmissionTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();
    private readonly ScratchDirectory _scratch = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose()
    {
        _cluster.Dispose();
        _scratch.Dispose();
    }

    private ProcessResult Apply(JsonObject obj)
    {
        var file = _scratch.Path($"{Guid.NewGuid():N}.json");
        File.WriteAllText(file, obj.ToJsonString());
        return _cluster.Kubectl("create", "-n", ClusterSession.Ns, "-f", file);
    }

    private static JsonObject Pod(string name, JsonObject? securityContext = null, JsonObject? podSecurityContext = null, string? account = null)
    {
        var container = new JsonObject { ["name"] = "app", ["image"] = "test/python", ["args"] = new JsonArray("-c", "pass") };
        if (securityContext is not null)
        {
            container["securityContext"] = securityContext;
        }

        var spec = new JsonObject { ["restartPolicy"] = "Never", ["containers"] = new JsonArray(container) };
        if (podSecurityContext is not null)
        {
            spec["securityContext"] = podSecurityContext;
        }

        if (account is not null)
        {
            spec["serviceAccountName"] = account;
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
    }

    private static JsonObject RestrictedPod(string name) => Pod(
        name,
        new JsonObject { ["allowPrivilegeEscalation"] = false, ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") } },
        new JsonObject { ["runAsNonRoot"] = true, ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" } });

    [Fact]
    public async Task APodNamingNoAccount_RunsAsDefault_AndOneNamingAMissingAccount_IsRefused()
    {
        Apply(Pod("plain")).ExitCode.ShouldBe(0);
        var ghost = Apply(Pod("haunted", account: "ghost"));

        var stored = await _cluster.GetAsync($"/api/v1/namespaces/{ClusterSession.Ns}/pods/plain");
        ((string?)stored!["spec"]!["serviceAccountName"]).ShouldBe("default");
        ghost.ExitCode.ShouldNotBe(0);
        ghost.Stderr.ShouldContain("Error from server (Forbidden)");
        ghost.Stderr.ShouldContain($"pods \"haunted\" is forbidden: error looking up service account {ClusterSession.Ns}/ghost: serviceaccount \"ghost\" not found");
    }

    [Fact]
    public async Task AnEnforcedLevel_RefusesAViolatingPod_WithTheChecksItFails_AndAdmitsACompliantOne()
    {
        _cluster.Kubectl("label", "namespace", ClusterSession.Ns, "pod-security.kubernetes.io/enforce=restricted").ExitCode.ShouldBe(0);

        var refused = Apply(Pod("loose"));
        var admitted = Apply(RestrictedPod("tight"));

        refused.ExitCode.ShouldNotBe(0);
        refused.Stderr.ShouldContain("pods \"loose\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        admitted.ExitCode.ShouldBe(0, admitted.Stderr);
        (await _cluster.GetAsync($"/api/v1/namespaces/{ClusterSession.Ns}/pods/loose")).ShouldBeNull();
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync($"/api/v1/namespaces/{ClusterSession.Ns}/pods/tight"))?["status"]?["phase"] == "Succeeded", "the compliant pod to run", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void AWarnLevel_AndAWorkloadTemplateUnderEnforce_AreAdmittedWithThePluginsWarning()
    {
        _cluster.Kubectl("label", "namespace", ClusterSession.Ns, "pod-security.kubernetes.io/warn=baseline", "pod-security.kubernetes.io/enforce=restricted", "pod-security.kubernetes.io/enforce-version=v1.31").ExitCode.ShouldBe(0);
        var hostPod = RestrictedPod("on-host");
        hostPod["spec"]!["hostNetwork"] = true;
        var job = new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = "loose-job" },
            ["spec"] = new JsonObject { ["template"] = Pod("unused")["spec"] is JsonObject spec ? new JsonObject { ["spec"] = spec.DeepClone() } : null },
        };

        var pod = Apply(hostPod);
        var workload = Apply(job);

        pod.ExitCode.ShouldNotBe(0, "hostNetwork breaks restricted too");
        pod.Stderr.ShouldContain("violates PodSecurity \"restricted:v1.31\": host namespaces (hostNetwork=true)");
        workload.ExitCode.ShouldBe(0, workload.Stderr);
        workload.Stderr.ShouldContain("Warning: would violate PodSecurity \"restricted:v1.31\": allowPrivilegeEscalation != false");
    }
}
