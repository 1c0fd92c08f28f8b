using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Api.Validation;
using MoeOperator.Cli;
using MoeOperator.Contract;
using MoeOperator.Controllers;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.EPGroups;

public sealed class EPGroupBuilderTests
{
    private static JsonObject Sample(string file, Action<JsonObject>? edit = null)
    {
        var group = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", file))).Single();
        group["metadata"]!["namespace"] = "team";
        group["metadata"]!["uid"] = "uid-1";
        edit?.Invoke(group);
        CustomResourceValidator.ForThisApi().Validate(group).IsValid.ShouldBeTrue();
        return group;
    }

    private static EPGroupSpec Spec(JsonObject group) => group["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!;

    private static Dictionary<string, string?> Env(JsonObject pod) =>
        pod["spec"]!["containers"]![0]!["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);

    [Fact]
    public void Render_OfTheMinimalSample_IsAServiceAnExpertMapAndOnePodPerNode_AllValidKubernetesObjects()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = RenderCommand.Run([new FileInfo(RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml"))], KindModules.All, new OperatorSettings("w"), stdout, stderr);

        code.ShouldBe(0, stderr.ToString());
        var objects = YamlDocuments.Parse(stdout.ToString());
        objects.Select(o => $"{o["kind"]}/{o["metadata"]!["name"]}").ShouldBe(["Service/ep-minimal", "ServiceAccount/ep-minimal-worker", "Role/ep-minimal-worker", "RoleBinding/ep-minimal-worker", "ConfigMap/ep-minimal-expert-map", "Pod/ep-minimal-0", "Pod/ep-minimal-1"]);
        var validation = Tools.Run("node", [Tools.K8sSchemaValidator], stdin: stdout.ToString());
        validation.ExitCode.ShouldBe(0, validation.Output);
        validation.Stdout.ShouldContain("7 valid, 0 invalid");
    }

    [Fact]
    public void Workers_RunAsTheirOwnServiceAccount_WhoseRoleMayPatchOnlyTheGroupsPods()
    {
        var group = Sample("epgroup-minimal.yaml");
        var objects = WorkerAccess.Objects(group, EPGroup.KindName, EPGroupNames.GroupLabel, ["ep-minimal-0", "ep-minimal-1"]);

        objects.Select(o => o.Collection).ShouldBe(["/api/v1/namespaces/team/serviceaccounts", "/apis/rbac.authorization.k8s.io/v1/namespaces/team/roles", "/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings"]);
        objects.ShouldAllBe(o => (string?)o.Object["metadata"]!["name"] == "ep-minimal-worker" && (string?)o.Object["metadata"]!["ownerReferences"]![0]!["uid"] == "uid-1");
        var rule = objects[1].Object["rules"]!.AsArray().ShouldHaveSingleItem()!;
        rule["resources"]!.AsArray().Select(r => (string?)r).ShouldBe(["pods"]);
        rule["resourceNames"]!.AsArray().Select(r => (string?)r).ShouldBe(["ep-minimal-0", "ep-minimal-1"]);
        rule["verbs"]!.AsArray().Select(v => (string?)v).ShouldBe(["patch"], "a rank patches its own pod's load report, and does nothing else");
        var subject = objects[2].Object["subjects"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)subject["kind"], (string?)subject["name"], (string?)subject["namespace"]).ShouldBe(("ServiceAccount", "ep-minimal-worker", "team"));
        ((string?)objects[2].Object["roleRef"]!["name"]).ShouldBe("ep-minimal-worker");
        ((string?)EPGroupBuilder.Pod(group, Spec(group), 0, "dev-node-1")["spec"]!["serviceAccountName"]).ShouldBe("ep-minimal-worker");
    }

    [Fact]
    public void Pods_RunTheKernelSelftestBeforeTheRanks_OnlyWhenAsked()
    {
        var plain = Sample("epgroup-minimal.yaml");
        EPGroupBuilder.Pod(plain, Spec(plain), 0, "dev-node-1")["spec"]!["initContainers"].ShouldBeNull();

        var group = Sample("epgroup-minimal.yaml", g => g["spec"]!["kernelSelfTest"] = true);
        var pod = EPGroupBuilder.Pod(group, Spec(group), 0, "dev-node-1");

        var init = pod["spec"]!["initContainers"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)init["name"]).ShouldBe(EPGroupBuilder.SelfTestContainer);
        ((string?)init["image"]).ShouldBe((string?)pod["spec"]!["containers"]![0]!["image"]);
        init["args"]!.AsArray().Select(a => (string?)a).ShouldBe(["selftest"]);
        JsonNode.DeepEquals(init["resources"], pod["spec"]!["containers"]![0]!["resources"]).ShouldBeTrue("it checks the devices the ranks get");
        var validation = Tools.Run("node", [Tools.K8sSchemaValidator], stdin: pod.ToJsonString());
        validation.ExitCode.ShouldBe(0, validation.Output);
        validation.Stdout.ShouldContain("1 valid, 0 invalid");
    }

    [Fact]
    public void Failure_OfTheKernelSelftest_IsReportedWithItsNodeAndTable()
    {
        var pod = JsonNode.Parse("""
            {"metadata": {"name": "ep-0"}, "spec": {"nodeName": "gpu-7"},
             "status": {"phase": "Failed",
               "initContainerStatuses": [{"name": "kernel-selftest", "state": {"terminated": {"exitCode": 1, "message": "fp8-gemm ... FAIL\n1 of 12 checks FAILED\n"}}}],
               "containerStatuses": [{"name": "worker", "state": {"waiting": {"reason": "PodInitializing"}}}]}}
            """)!.AsObject();

        var (reason, message) = EPGroupFailure.Describe(pod);

        reason.ShouldBe("KernelSelfTestFailed");
        message.ShouldBe("pod ep-0: the kernel selftest failed on gpu-7 (exit 1): fp8-gemm ... FAIL\n1 of 12 checks FAILED");
    }

    [Fact]
    public void Pods_CarryTheRendezvousEnvironment_AndArePinnedToTheirNode()
    {
        var group = Sample("epgroup-minimal.yaml");
        var pod = EPGroupBuilder.Pod(group, Spec(group), 1, "dev-node-3");

        var env = Env(pod);
        env["MOE_WORLD_SIZE"].ShouldBe("4");
        env["MOE_RANK_BASE"].ShouldBe("2", "node slot 1 holds ranks 2 and 3");
        env["MOE_MASTER_ADDR"].ShouldBe("ep-minimal-0.ep-minimal.team.svc", "rank 0's pod through the headless service");
        env["MOE_TRANSPORT"].ShouldBe("TCP");
        env["MOE_EXPERT_PRECISION"].ShouldBe("FP32", "experts compute in float32 unless the spec asks for FP8");
        env.ShouldNotContainKey("NVSHMEM_IB_ENABLE_IBGDA");
        ((string?)pod["spec"]!["hostname"]).ShouldBe("ep-minimal-1");
        ((string?)pod["spec"]!["subdomain"]).ShouldBe("ep-minimal");
        ((string?)pod["spec"]!["restartPolicy"]).ShouldBe("Never");
        ((string?)pod["spec"]!["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchFields"]![0]!["values"]![0]).ShouldBe("dev-node-3");
        var container = pod["spec"]!["containers"]![0]!;
        ((string?)container["resources"]!["limits"]!["nvidia.com/gpu"]).ShouldBe("2");
        container["resources"]!["limits"]!.AsObject().ContainsKey("rdma/hca").ShouldBeFalse("TCP needs no RDMA");
        container["securityContext"]!["capabilities"].ShouldBeNull("no IPC_LOCK without RDMA");
        ((string?)pod["metadata"]!["ownerReferences"]![0]!["uid"]).ShouldBe("uid-1");
        ((string?)pod["metadata"]!["labels"]![EPGroupNames.GroupLabel]).ShouldBe("ep-minimal");
    }

    [Fact]
    public void WithAnExternalGangScheduler_PodsAreUnpinned_OnePerNode_InAPodGroupOfAllOfThem()
    {
        var group = Sample("epgroup-minimal.yaml", g =>
        {
            g["spec"]!["scheduling"] = new JsonObject { ["schedulerName"] = "scheduler-plugins-scheduler", ["gangTimeout"] = "2m" };
            g["spec"]!["placement"] = new JsonObject { ["nodeSelector"] = new JsonObject { ["pool"] = "h800" }, ["topologyKeys"] = new JsonArray("zone", "rack") };
        });
        var spec = Spec(group);
        EPGroupBuilder.UsesExternalScheduler(spec).ShouldBeTrue();

        var podGroup = EPGroupBuilder.PodGroup(group, spec);
        ((string?)podGroup["apiVersion"]).ShouldBe("scheduling.x-k8s.io/v1alpha1");
        ((int?)podGroup["spec"]!["minMember"]).ShouldBe(2, "4 ranks, 2 per pod");
        ((int?)podGroup["spec"]!["scheduleTimeoutSeconds"]).ShouldBe(120);
        ((string?)podGroup["metadata"]!["ownerReferences"]![0]!["uid"]).ShouldBe("uid-1", "deleting the group deletes its PodGroup");

        var pod = EPGroupBuilder.Pod(group, spec, 1, node: null);
        ((string?)pod["metadata"]!["labels"]![EPGroupNames.PodGroupLabel]).ShouldBe("ep-minimal");
        ((string?)pod["spec"]!["schedulerName"]).ShouldBe("scheduler-plugins-scheduler");
        pod["spec"]!["affinity"]!["nodeAffinity"].ShouldBeNull("the external scheduler chooses the node");
        ((string?)pod["spec"]!["nodeSelector"]!["pool"]).ShouldBe("h800");
        var antiAffinity = pod["spec"]!["affinity"]!["podAntiAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]![0]!;
        ((string?)antiAffinity["topologyKey"]).ShouldBe("kubernetes.io/hostname");
        ((string?)antiAffinity["labelSelector"]!["matchLabels"]![EPGroupNames.GroupLabel]).ShouldBe("ep-minimal");
        ((string?)pod["spec"]!["affinity"]!["podAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]![0]!["podAffinityTerm"]!["topologyKey"]).ShouldBe("rack", "the narrowest domain first");

        var own = Sample("epgroup-minimal.yaml", g => g["spec"]!["scheduling"] = new JsonObject { ["schedulerName"] = "default-scheduler" });
        EPGroupBuilder.UsesExternalScheduler(Spec(own)).ShouldBeFalse("the default scheduler does no gang scheduling");
    }

    [Fact]
    public void GpuTransportsAcrossNodes_GetRdmaIpcLockAndNvshmemSettings()
    {
        var group = Sample("epgroup-minimal.yaml", g =>
        {
            g["spec"]!["transport"] = new JsonObject { ["backend"] = "NVSHMEM", ["ibServiceLevel"] = 3 };
            g["spec"]!["model"]!["maxTokensPerRank"] = 4096;
            g["spec"]!["placement"] = new JsonObject { ["tolerations"] = new JsonArray(new JsonObject { ["key"] = "gpu", ["operator"] = "Exists", ["effect"] = "NoSchedule" }) };
        });
        var pod = EPGroupBuilder.Pod(group, Spec(group), 0, "n0");

        var container = pod["spec"]!["containers"]![0]!;
        ((string?)container["resources"]!["limits"]!["rdma/hca"]).ShouldBe("2", "one RDMA device per GPU");
        container["securityContext"]!["capabilities"]!["add"]!.AsArray().Select(c => (string?)c).ShouldBe(["IPC_LOCK"]);
        var env = Env(pod);
        env["NVSHMEM_IB_ENABLE_IBGDA"].ShouldBe("1");
        int.Parse(env["NVSHMEM_QP_DEPTH"]!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(2 * (4096 + 1));
        env["NVSHMEM_IBGDA_NUM_RC_PER_PE"].ShouldBe("4", "16 experts on 4 ranks: 4 local experts");
        env["NVSHMEM_IB_SL"].ShouldBe("3");
        ((string?)pod["spec"]!["tolerations"]![0]!["key"]).ShouldBe("gpu");
    }

    [Fact]
    public void TheInitialExpertMap_GivesEveryExpertASlot_AndSpareSlotsToReplicas()
    {
        var group = Sample("epgroup-minimal.yaml", g => g["spec"]!["model"]!["physicalExpertSlots"] = 20);
        var spec = Spec(group);

        var map = ExpertMapBuilder.ConfigMap(group, spec, ExpertMapBuilder.Plan(spec), version: 7);

        var document = JsonNode.Parse((string)map["data"]![ExpertMapDocument.ConfigMapKey]!)!;
        ((long?)document["version"]).ShouldBe(7);
        ((int?)document["slotsPerRank"]).ShouldBe(5);
        var slots = document["phy2log"]!.AsArray().Select(v => (int)v!).ToList();
        slots.Count.ShouldBe(20);
        slots.Distinct().Count().ShouldBe(16, "every logical expert has a slot");
        document["logcnt"]!.AsArray().Sum(v => (int)v!).ShouldBe(20);
    }
}
