using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Testing;
using MoeOperator.Worker.Ep;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>
/// The operator-worker contract held from both ends: the environment the EPGroup builder gives a pod is exactly what
/// the worker's settings read, every variable the worker needs is set, and the documents they exchange round-trip.
/// </summary>
public sealed class WorkerContractTests
{
    // Values the kubelet fills in from the downward API.
    private static readonly Dictionary<string, string> _downward = new()
    {
        [WorkerEnvironment.PodName] = "ep-0",
        [WorkerEnvironment.PodNamespace] = "team",
        [WorkerEnvironment.PodIP] = "10.1.2.3",
        [WorkerEnvironment.NodeName] = "gpu-7",
    };

    public static TheoryData<string> Transports => ["TCP", "Auto", "NVSHMEM", "NCCL"];

    private static JsonObject Pod(string backend, Action<JsonObject>? edit = null)
    {
        var group = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml"))).Single();
        group["metadata"]!["namespace"] = "team";
        group["metadata"]!["uid"] = "uid-1";
        group["spec"]!["transport"] = new JsonObject { ["backend"] = backend };
        edit?.Invoke(group);
        return EPGroupBuilder.Pod(group, group["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!, 1, "gpu-7");
    }

    /// <summary>The pod's environment as the worker process sees it: literal values, and the downward API resolved.</summary>
    private static Dictionary<string, string> Environment(JsonObject pod) =>
        pod["spec"]!["containers"]![0]!["env"]!.AsArray().ToDictionary(
            e => (string)e!["name"]!,
            e => (string?)e!["value"] ?? _downward[(string)e!["name"]!]);

    [Theory]
    [MemberData(nameof(Transports))]
    public void EveryVariableTheBuilderSets_IsInTheContract_AndReadByTheWorker(string backend)
    {
        var environment = Environment(Pod(backend));
        var ours = environment.Keys.Where(n => !n.StartsWith(WorkerEnvironment.NvshmemPrefix, StringComparison.Ordinal)).ToList();
        ours.Except(WorkerEnvironment.All.Select(v => v.Name)).ShouldBeEmpty("every variable the operator sets is in the contract");

        var reads = new RecordingEnvironment(environment);
        try
        {
            EpSettings.From(reads, null).Group.ShouldBe("ep-minimal");
            backend.ShouldBeOneOf("TCP", "Auto");
        }
        catch (WorkerConfigurationException e)
        {
            // The GPU transports are not in this worker: it refuses them, having read every variable first.
            backend.ShouldBeOneOf("NVSHMEM", "NCCL");
            e.Message.ShouldContain($"MOE_TRANSPORT={backend}");
            e.Message.ShouldContain("spec.transport.backend: TCP");
        }

        ours.Except(reads.Read).ShouldBeEmpty("the worker reads every variable the operator sets");
    }

    [Fact]
    public void EveryRequiredVariable_IsSetByTheBuilder_AndTheWorkerRefusesToStartWithoutIt()
    {
        var environment = Environment(Pod("TCP"));
        foreach (var variable in WorkerEnvironment.All.Where(v => v.Required))
        {
            environment.ShouldContainKey(variable.Name);
            var without = new Dictionary<string, string>(environment);
            without.Remove(variable.Name);
            Should.Throw<WorkerConfigurationException>(() => EpSettings.From(without, null)).Message.ShouldStartWith($"{variable.Name} is not set");
        }
    }

    [Fact]
    public void WorkerSettings_CarryWhatTheBuilderMeant()
    {
        var pod = Pod("TCP", g =>
        {
            g["spec"]!["model"]!["physicalExpertSlots"] = 20;
            g["spec"]!["model"]!["expertPrecision"] = "FP8";
        });
        var settings = EpSettings.From(Environment(pod), null);

        settings.RankBase.ShouldBe(2, "pod 1 of a group with 2 ranks per pod runs ranks 2 and 3");
        settings.WorldSize.ShouldBe(4);
        settings.PhysicalSlots.ShouldBe(20);
        settings.Shape.Precision.ShouldBe(ExpertPrecision.FP8);
        settings.Transport.Requested.ShouldBe(TransportBackend.TCP);
        settings.NodeName.ShouldBe("gpu-7");
        settings.ExpertMapPath.ShouldBe(ExpertMapDocument.MountedPath);
        pod["spec"]!["containers"]![0]!["volumeMounts"]![0]!["mountPath"]!.GetValue<string>().ShouldBe(ExpertMapDocument.MountDirectory);
    }

    [Fact]
    public void AutoTransport_IsTcpWithoutAGpu_AndRefusedWithTheFixOnAGpuNode()
    {
        var environment = Environment(Pod("Auto"));
        EpSettings.From(environment, null, gpuVisible: false).Transport.Description.ShouldBe("TCP (Auto, no GPU visible)");

        var error = Should.Throw<WorkerConfigurationException>(() => EpSettings.From(environment, null, gpuVisible: true));
        error.Message.ShouldContain("MOE_TRANSPORT=Auto means NVSHMEM on a node with GPUs");
        error.Message.ShouldContain("spec.transport.backend: TCP");
        Worker.Communication.TransportChoice.GpuVisible(new Hashtable { ["NVIDIA_VISIBLE_DEVICES"] = "0,1" }).ShouldBeTrue();
        Worker.Communication.TransportChoice.GpuVisible(new Hashtable { ["NVIDIA_VISIBLE_DEVICES"] = "void" }).ShouldBeFalse();
        Worker.Communication.TransportChoice.GpuVisible(new Hashtable()).ShouldBeFalse();
    }

    [Fact]
    public void TheExpertMapTheOperatorPublishes_IsTheMapTheWorkerLoads()
    {
        var group = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml"))).Single();
        group["metadata"]!["namespace"] = "team";
        group["spec"]!["model"]!["physicalExpertSlots"] = 20;
        var spec = group["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!;
        var plan = ExpertMapBuilder.Plan(spec, [.. Enumerable.Range(1, 16).Select(e => 100.0 / e)]);
        var configMap = ExpertMapBuilder.ConfigMap(group, spec, plan, version: 7);

        var text = (string)configMap["data"]![ExpertMapDocument.ConfigMapKey]!;
        var loaded = Worker.Moe.ExpertMap.Parse(text, experts: 16, ranks: 4, slots: 20);

        loaded.Version.ShouldBe(7);
        loaded.PhysicalToLogical.ShouldBe(plan.PhysicalToLogical[0]);
        ExpertMapBuilder.Published(configMap)!.ReplicaCounts.ShouldBe(plan.ReplicaCounts[0]);
        Should.Throw<FormatException>(() => Worker.Moe.ExpertMap.Parse(text, experts: 16, ranks: 4, slots: 16)).Message.ShouldContain("MOE_PHYSICAL_EXPERT_SLOTS is 16");
    }

    [Fact]
    public void TheLoadAWorkerReports_IsTheLoadTheOperatorSums()
    {
        var ledger = new LoadLedger(3);
        ledger.Add(5, [1, 1, 2]);
        var snapshot = ledger.Snapshot()!.Value;
        var annotation = new ExpertLoadReport(snapshot.Version, [.. snapshot.Tokens.Select(t => (double)t)]).Format();
        var pod = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ExpertLoadReport.Annotation] = annotation } } };

        ExpertLoadReports.Sum([pod], version: 5, experts: 3).ShouldBe([1, 1, 2]);
        ExpertLoadReport.TryParse("{\"version\":\"x\"}").ShouldBeNull();
        ExpertLoadReport.TryParse("not json").ShouldBeNull();
    }
}
