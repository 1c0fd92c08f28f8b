using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Tests.Semantics;

/// <summary>
/// The Pod Security Standards checks, worded as the real admission plugin words them: what each level refuses,
/// what it lets through, and that restricted replaces baseline's form of a check instead of repeating it.
/// </summary>
public sealed class PodSecurityStandardsTests
{
    private static JsonObject Spec(string json) => JsonNode.Parse(json)!.AsObject();

    private static readonly JsonObject _plain = Spec("""{"containers":[{"name":"app","image":"busybox"}]}""");

    private static readonly JsonObject _restrictedPod = Spec("""
        {"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
         "containers":[{"name":"app","image":"busybox","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}}],
         "volumes":[{"name":"config","configMap":{"name":"c"}},{"name":"scratch","emptyDir":{}}]}
        """);

    [Fact]
    public void APlainPod_PassesBaseline_AndFailsRestricted_OnTheFourChecksTheRealPluginNames()
    {
        PodSecurityStandards.Violations(null, _plain, PodSecurityLevel.Baseline).ShouldBeEmpty();
        PodSecurityStandards.Violations(null, _plain, PodSecurityLevel.Restricted).ShouldBe(
        [
            "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)",
            "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"])",
            "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)",
            "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
        ]);
    }

    [Fact]
    public void ACompliantPod_PassesRestricted_AndPrivilegedAllowsAnything()
    {
        PodSecurityStandards.Violations(null, _restrictedPod, PodSecurityLevel.Restricted).ShouldBeEmpty();
        var host = Spec("""{"hostNetwork":true,"containers":[{"name":"x","image":"i","securityContext":{"privileged":true}}],"volumes":[{"name":"disk","hostPath":{"path":"/mnt"}}]}""");
        PodSecurityStandards.Violations(null, host, PodSecurityLevel.Privileged).ShouldBeEmpty();
    }

    [Fact]
    public void Baseline_RefusesHostAccess_PrivilegedContainers_AndCapabilitiesBeyondTheRuntimeDefaults()
    {
        var pod = Spec("""
            {"hostNetwork":true,"hostPID":true,
             "initContainers":[{"name":"tune","image":"i","securityContext":{"privileged":true}}],
             "containers":[{"name":"daemon","image":"i","ports":[{"containerPort":80,"hostPort":8080}],"securityContext":{"capabilities":{"add":["IPC_LOCK","CHOWN"]}}}],
             "volumes":[{"name":"disk-0","hostPath":{"path":"/mnt/0"}},{"name":"disk-1","hostPath":{"path":"/mnt/1"}},{"name":"cfg","configMap":{"name":"c"}}]}
            """);

        PodSecurityStandards.Violations(null, pod, PodSecurityLevel.Baseline).ShouldBe(
        [
            "non-default capabilities (container \"daemon\" must not include \"IPC_LOCK\" in securityContext.capabilities.add)",
            "host namespaces (hostNetwork=true, hostPID=true)",
            "hostPath volumes (volumes \"disk-0\", \"disk-1\")",
            "hostPort (container \"daemon\" uses hostPort 8080)",
            "privileged (container \"tune\" must not set securityContext.privileged=true)",
        ]);
    }

    [Fact]
    public void Restricted_NamesVolumeTypes_AndCapabilityAdds_InsteadOfBaselinesWording()
    {
        var pod = _restrictedPod.DeepClone().AsObject();
        pod["volumes"]!.AsArray().Add(new JsonObject { ["name"] = "disk", ["hostPath"] = new JsonObject { ["path"] = "/mnt" } });
        pod["containers"]![0]!["securityContext"]!["capabilities"]!["add"] = new JsonArray("IPC_LOCK");

        var violations = PodSecurityStandards.Violations(null, pod, PodSecurityLevel.Restricted);

        violations.ShouldBe(
        [
            "unrestricted capabilities (container \"app\" must not include \"IPC_LOCK\" in securityContext.capabilities.add)",
            "restricted volume types (volume \"disk\" uses restricted volume type \"hostPath\")",
        ]);
    }

    [Fact]
    public void RunningAsRoot_OrUnconfinedSeccomp_IsRefused_AtTheLevelThatForbidsIt()
    {
        var root = _restrictedPod.DeepClone().AsObject();
        root["securityContext"]!["runAsUser"] = 0;
        PodSecurityStandards.Violations(null, root, PodSecurityLevel.Restricted).ShouldBe(["runAsUser=0 (pod must not set runAsUser=0)"]);

        var unconfined = Spec("""{"securityContext":{"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"app","image":"i"}]}""");
        PodSecurityStandards.Violations(null, unconfined, PodSecurityLevel.Baseline).ShouldBe(["seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")"]);
    }

    [Theory]
    [InlineData("restricted", PodSecurityLevel.Restricted)]
    [InlineData("baseline", PodSecurityLevel.Baseline)]
    [InlineData("privileged", PodSecurityLevel.Privileged)]
    [InlineData("Restricted", null)]
    [InlineData("", null)]
    public void LevelLabels_AreReadExactly(string text, PodSecurityLevel? level) =>
        PodSecurityStandards.ParseLevel(text).ShouldBe(level);
}
