using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract;
using MoeOperator.Contract.Training;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>
/// Pure builders of a TrainingJob's children: a headless Service (ranks find rank 0's rendezvous by DNS while they
/// start), one pod per rank running <c>moe-worker train</c> with the job's config document and its rank, the data
/// and checkpoint volumes, and, for an external gang scheduler, the PodGroup.
/// </summary>
internal static class TrainingJobBuilder
{
    /// <summary>How long a rank may take to finish its step and checkpoint after SIGTERM (suspend) before it is killed.</summary>
    public const int TerminationGraceSeconds = 300;

    public static JsonObject Metadata(JsonObject job, string name, JsonObject? extraLabels = null) =>
        ChildObjects.Metadata(job, TrainingJob.KindName, TrainingJobNames.JobLabel, name, extraLabels);

    public static int WorldSize(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Parallelism.Pipeline * spec.Parallelism.Data;
    }

    public static bool UsesExternalScheduler(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return ChildObjects.UsesExternalScheduler(spec.Scheduling);
    }

    /// <summary>Whether the job asks its ranks to log the samples they train (<see cref="TrainingJobNames.AuditSamplesAnnotation"/>).</summary>
    public static bool AuditsSamples(JsonObject job) =>
        (string?)job?["metadata"]?["annotations"]?[TrainingJobNames.AuditSamplesAnnotation] == "true";

    public static JsonObject HeadlessService(JsonObject job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var name = (string)job["metadata"]!["name"]!;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = Metadata(job, TrainingJobNames.Service(name)),
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "None",
                ["publishNotReadyAddresses"] = true,
                ["selector"] = new JsonObject { [TrainingJobNames.JobLabel] = name },
                ["ports"] = new JsonArray(
                    new JsonObject { ["name"] = "rendezvous", ["port"] = TrainingJobNames.RendezvousPort },
                    new JsonObject { ["name"] = "metrics", ["port"] = TrainingJobNames.MetricsPort }),
            },
        };
    }

    public static JsonObject PodGroup(JsonObject job, TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(spec);
        return ChildObjects.PodGroup(Metadata(job, (string)job["metadata"]!["name"]!), WorldSize(spec), spec.Scheduling);
    }

    /// <summary>The pod of <paramref name="rank"/> for restart <paramref name="attempt"/>, pinned to <paramref name="node"/> (null: left to the external scheduler).</summary>
    public static JsonObject Pod(JsonObject job, TrainingJobSpec spec, int rank, string? node, int attempt, TrainingStorage? data, TrainingStorage? checkpoints, IReadOnlyDictionary<string, string>? requiredLabels = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(spec);
        var name = (string)job["metadata"]!["name"]!;
        var ns = (string?)job["metadata"]!["namespace"] ?? "default";
        var config = TrainingJobConfig.Document(name, spec, AuditsSamples(job));
        var container = new JsonObject
        {
            ["name"] = "trainer",
            ["image"] = spec.Image,
            ["args"] = new JsonArray("train"),
            ["env"] = new JsonArray([.. Environment(config, name, ns, rank, attempt)]),
            ["ports"] = new JsonArray(
                new JsonObject { ["name"] = "rendezvous", ["containerPort"] = TrainingJobNames.RendezvousPort },
                new JsonObject { ["name"] = "metrics", ["containerPort"] = TrainingJobNames.MetricsPort }),
            // gpusPerRank decides the GPUs, whatever resources.limits says of them.
            ["resources"] = ChildObjects.Resources(spec.Resources, new Dictionary<string, string> { [EPGroups.PlacementInputs.GpuResource] = spec.GpusPerRank.ToString(CultureInfo.InvariantCulture) }),
            ["volumeMounts"] = new JsonArray([.. new[] { data, checkpoints }.OfType<TrainingStorage>().Select(s => (JsonNode)s.Mount.DeepClone())]),
            ["terminationMessagePolicy"] = "FallbackToLogsOnError",
            ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false },
        };
        var podSpec = new JsonObject
        {
            ["hostname"] = TrainingJobNames.Pod(name, rank),
            ["subdomain"] = TrainingJobNames.Service(name),
            // The operator restarts the job as a whole, from its checkpoint: a rank is never restarted alone.
            ["restartPolicy"] = "Never",
            ["serviceAccountName"] = WorkerAccess.Name(name),
            ["terminationGracePeriodSeconds"] = TerminationGraceSeconds,
            ["containers"] = new JsonArray(container),
            ["volumes"] = new JsonArray([.. new[] { data, checkpoints }.OfType<TrainingStorage>().Select(s => (JsonNode)s.Volume.DeepClone())]),
        };
        if (node is not null)
        {
            podSpec["affinity"] = ChildObjects.PinnedAffinity(node);
        }
        else
        {
            var selector = (spec.Placement.NodeSelector ?? []).Concat(requiredLabels ?? new Dictionary<string, string>()).DistinctBy(l => l.Key).ToList();
            if (selector.Count > 0)
            {
                podSpec["nodeSelector"] = new JsonObject([.. selector.Select(s => new KeyValuePair<string, JsonNode?>(s.Key, s.Value))]);
            }
        }

        if (spec.Placement.Tolerations is { Count: > 0 } tolerations)
        {
            podSpec["tolerations"] = ChildObjects.Tolerations(tolerations);
        }

        if (UsesExternalScheduler(spec))
        {
            podSpec["schedulerName"] = spec.Scheduling.SchedulerName;
        }

        if (spec.Scheduling.PriorityClassName is { } priority)
        {
            podSpec["priorityClassName"] = priority;
        }

        var labels = new JsonObject
        {
            [TrainingJobNames.RankLabel] = rank.ToString(CultureInfo.InvariantCulture),
            [TrainingJobNames.AttemptLabel] = attempt.ToString(CultureInfo.InvariantCulture),
        };
        if (UsesExternalScheduler(spec))
        {
            labels[EPGroups.EPGroupNames.PodGroupLabel] = name;
        }

        var metadata = Metadata(job, TrainingJobNames.Pod(name, rank), labels);
        if (rank == 0)
        {
            // Rank 0's last progress report (the checkpoint a suspend wrote, the final step) must be read before the pod goes.
            metadata["finalizers"] = new JsonArray(TrainingJobNames.ProgressFinalizer);
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = podSpec };
    }

    /// <summary>The contract's variables (<see cref="TrainingWorkerEnvironment"/>): the config document, the rank, the rendezvous, the downward API.</summary>
    public static IEnumerable<JsonNode> Environment(TrainingConfigDocument config, string job, string ns, int rank, int attempt)
    {
        ArgumentNullException.ThrowIfNull(config);
        yield return Variable(TrainingWorkerEnvironment.Config, config.ToJson());
        yield return Variable(TrainingWorkerEnvironment.Rank, rank.ToString(CultureInfo.InvariantCulture));
        yield return Variable(WorkerEnvironment.MasterAddress, TrainingJobNames.PodDns(job, 0, ns));
        yield return Variable(WorkerEnvironment.MasterPort, TrainingJobNames.RendezvousPort.ToString(CultureInfo.InvariantCulture));
        yield return Variable(WorkerEnvironment.MetricsPort, TrainingJobNames.MetricsPort.ToString(CultureInfo.InvariantCulture));
        yield return Variable(WorkerEnvironment.RestartAttempt, attempt.ToString(CultureInfo.InvariantCulture));
        yield return FieldRef(WorkerEnvironment.PodName, "metadata.name");
        yield return FieldRef(WorkerEnvironment.PodNamespace, "metadata.namespace");
        yield return FieldRef(WorkerEnvironment.PodIP, "status.podIP");
        yield return FieldRef(WorkerEnvironment.NodeName, "spec.nodeName");
    }

    private static JsonObject Variable(string name, string value) => new() { ["name"] = name, ["value"] = value };

    private static JsonObject FieldRef(string name, string path) =>
        new() { ["name"] = name, ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = path } } };
}
