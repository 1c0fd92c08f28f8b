using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract.Training;
using MoeOperator.Controllers.TrainingJobs;
using MoeOperator.Testing;
using MoeOperator.Worker.Ep;
using MoeOperator.Worker.Training;

namespace MoeOperator.Tests.Controllers.TrainingJobs;

/// <summary>
/// The TrainingJob pod's environment held from both ends: what the builder sets is exactly what <c>moe-worker
/// train</c> reads, a required variable missing is refused by name, and the config document carries the spec.
/// </summary>
public sealed class TrainingWorkerContractTests
{
    private static readonly Dictionary<string, string> _downward = new()
    {
        ["POD_NAME"] = "tj-1",
        ["POD_NAMESPACE"] = "team",
        ["POD_IP"] = "10.1.2.3",
        ["NODE_NAME"] = "gpu-7",
    };

    private static (JsonObject Job, TrainingJobSpec Spec) Sample()
    {
        var job = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "trainingjob-minimal.yaml"))).Single();
        job["metadata"]!["namespace"] = "team";
        job["metadata"]!["uid"] = "uid-1";
        return (job, job["spec"].Deserialize<TrainingJobSpec>(ApiJson.Options)!);
    }

    private static Dictionary<string, string> Environment(JsonObject pod) =>
        pod["spec"]!["containers"]![0]!["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"] ?? _downward[(string)e!["name"]!]);

    [Fact]
    public void EveryVariableTheBuilderSets_IsInTheContract_AndReadByTheWorker()
    {
        var (job, spec) = Sample();
        var environment = Environment(TrainingJobBuilder.Pod(job, spec, 1, "gpu-7", 2, null, null));
        environment.Keys.Except(TrainingWorkerEnvironment.All.Select(v => v.Name)).ShouldBeEmpty("every variable the operator sets is in the contract");

        var reads = new RecordingEnvironment(environment);
        var settings = TrainSettings.From(reads);

        environment.Keys.Except(reads.Read).ShouldBeEmpty("the worker reads every variable the operator sets");
        (settings.Rank, settings.Attempt, settings.MasterAddress, settings.MasterPort).ShouldBe((1, 2, "tj-minimal-0.tj-minimal.team.svc", 29500));
        settings.Config.Pipeline.ShouldBe(spec.Parallelism.Pipeline);
        settings.Config.Expert.ShouldBe(spec.Parallelism.Expert);
        settings.Config.Model.Dim.ShouldBe(spec.Model.HiddenSize);
        settings.Config.Model.NRoutedExperts.ShouldBe(spec.Model.Moe.Experts);
        settings.Config.CheckpointDirectory.ShouldBe(TrainingJobNames.CheckpointMount);
        settings.Config.SyntheticSamples.ShouldBe(spec.Data.Synthetic!.Sequences);
        TrainingSetup.From(settings.Config).Topology.WorldSize.ShouldBe(4, "the worker accepts the sample as the API server does");
    }

    [Fact]
    public void EveryRequiredVariable_IsSetByTheBuilder_AndTheWorkerRefusesToStartWithoutIt()
    {
        var (job, spec) = Sample();
        var environment = Environment(TrainingJobBuilder.Pod(job, spec, 0, "gpu-7", 0, null, null));
        foreach (var variable in TrainingWorkerEnvironment.All.Where(v => v.Required))
        {
            environment.ShouldContainKey(variable.Name);
            var without = new Dictionary<string, string>(environment);
            without.Remove(variable.Name);
            Should.Throw<WorkerConfigurationException>(() => TrainSettings.From(without)).Message.ShouldStartWith($"{variable.Name} is not set");
        }
    }

    [Fact]
    public void UnsetHeadDimensions_FollowTheDocumentedDefaults()
    {
        var model = TrainingJobConfig.Model(new TrainingModelSpec { HiddenSize = 128, Heads = 4 });
        (model.QkNopeHeadDim, model.QkRopeHeadDim, model.VHeadDim, model.InterDim).ShouldBe((32, 16, 32, 512));
        TrainingJobConfig.Model(new TrainingModelSpec { HiddenSize = 96, Heads = 8 }).QkRopeHeadDim.ShouldBe(6, "half of 12, kept even");
        TrainingJobConfig.Model(new TrainingModelSpec { HiddenSize = 64, Heads = 32 }).QkRopeHeadDim.ShouldBe(2, "at least one RoPE pair");
    }
}
