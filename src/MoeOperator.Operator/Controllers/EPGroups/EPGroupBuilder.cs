using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// Pure builders of an EPGroup's children: a headless Service (publishing not-ready addresses, so ranks find each
/// other while they start), and one pod per node holding ranksPerNode ranks, pinned to its planned node, with the
/// rendezvous environment, the transport's environment (NVSHMEM for DeepEP on GPUs), GPUs and RDMA devices, and
/// IPC_LOCK only where RDMA is used.
/// </summary>
internal static class EPGroupBuilder
{

    /// <summary>The init container that runs <c>moe-worker selftest</c> when spec.kernelSelfTest is set.</summary>
    public const string SelfTestContainer = "kernel-selftest";

    /// <summary>Whether the group's pods use RDMA: GPU transports across nodes.</summary>
    public static bool UsesRdma(EPGroupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Transport.Backend is TransportBackend.NVSHMEM or TransportBackend.NCCL
            || (spec.Transport.Backend == TransportBackend.Auto && spec.Ranks > spec.RanksPerNode);
    }

    /// <summary>RDMA devices each pod requests: one per GPU when the transport uses RDMA.</summary>
    public static int RdmaPerNode(EPGroupSpec spec) => UsesRdma(spec) ? spec.RanksPerNode * spec.GpusPerRank : 0;

    /// <summary>Metadata of a child: name, namespace, the managed-by and group labels, and the controller reference.</summary>
    public static JsonObject Metadata(JsonObject group, string name, JsonObject? extraLabels = null) =>
        ChildObjects.Metadata(group, EPGroup.KindName, EPGroupNames.GroupLabel, name, extraLabels);

    public static JsonObject HeadlessService(JsonObject group)
    {
        var name = (string)group["metadata"]!["name"]!;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = Metadata(group, EPGroupNames.Service(name)),
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "None",
                ["publishNotReadyAddresses"] = true,
                ["selector"] = new JsonObject { [EPGroupNames.GroupLabel] = name },
                ["ports"] = new JsonArray(
                    new JsonObject { ["name"] = "rendezvous", ["port"] = int.Parse(EPGroupNames.RendezvousPort, CultureInfo.InvariantCulture) },
                    new JsonObject { ["name"] = "metrics", ["port"] = EPGroupNames.MetricsPort }),
            },
        };
    }

    /// <summary>
    /// Pod <paramref name="index"/> of the group, pinned to <paramref name="node"/> (null: left to an external
    /// scheduler), with the 3FS mount when the group names one (<paramref name="threeFS"/>, resolved from its cluster).
    /// <paramref name="revision"/> is the spec's <see cref="Revision"/> when the caller has it already (it hashes the
    /// whole spec: once per group, not once per pod).
    /// </summary>
    public static JsonObject Pod(JsonObject group, EPGroupSpec spec, int index, string? node, ThreeFSAttachment? threeFS = null, string? revision = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var name = (string)group["metadata"]!["name"]!;
        var ns = (string?)group["metadata"]!["namespace"] ?? "default";
        var attempt = Attempt(group);
        var gpus = spec.RanksPerNode * spec.GpusPerRank;
        var rdma = RdmaPerNode(spec);
        var limits = new JsonObject { ["nvidia.com/gpu"] = gpus.ToString(CultureInfo.InvariantCulture) };
        var requests = new JsonObject();
        foreach (var (resource, quantity) in spec.Resources?.Limits ?? [])
        {
            limits[resource] = quantity.ToString();
        }

        foreach (var (resource, quantity) in spec.Resources?.Requests ?? [])
        {
            requests[resource] = quantity.ToString();
        }

        if (rdma > 0)
        {
            limits["rdma/hca"] = rdma.ToString(CultureInfo.InvariantCulture);
        }

        var container = new JsonObject
        {
            ["name"] = "worker",
            ["image"] = spec.Image,
            ["args"] = new JsonArray("ep"),
            ["env"] = new JsonArray([.. Environment(spec, name, ns, index), new JsonObject { ["name"] = WorkerEnvironment.RestartAttempt, ["value"] = attempt.ToString(CultureInfo.InvariantCulture) }]),
            ["ports"] = new JsonArray(
                new JsonObject { ["name"] = "rendezvous", ["containerPort"] = int.Parse(EPGroupNames.RendezvousPort, CultureInfo.InvariantCulture) },
                new JsonObject { ["name"] = "metrics", ["containerPort"] = EPGroupNames.MetricsPort }),
            ["resources"] = requests.Count > 0 ? new JsonObject { ["limits"] = limits, ["requests"] = requests } : new JsonObject { ["limits"] = limits },
            ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/readyz", ["port"] = "metrics" }, ["periodSeconds"] = 2 },
            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "expert-map", ["mountPath"] = ExpertMapDocument.MountDirectory, ["readOnly"] = true }),
            ["securityContext"] = rdma > 0
                ? new JsonObject { ["capabilities"] = new JsonObject { ["add"] = new JsonArray("IPC_LOCK") } }
                : new JsonObject { ["allowPrivilegeEscalation"] = false },
        };
        var podSpec = new JsonObject
        {
            ["hostname"] = EPGroupNames.Pod(name, index),
            ["subdomain"] = EPGroupNames.Service(name),
            // The operator restarts the group as a whole: a rank that dies is not restarted alone.
            ["restartPolicy"] = "Never",
            ["serviceAccountName"] = WorkerAccess.Name(name),
            ["terminationGracePeriodSeconds"] = 30,
            ["containers"] = new JsonArray(container),
            ["volumes"] = new JsonArray(new JsonObject { ["name"] = "expert-map", ["configMap"] = new JsonObject { ["name"] = EPGroupNames.ExpertMap(name) } }),
            ["affinity"] = node is null ? ExternalAffinity(spec, name) : ChildObjects.PinnedAffinity(node),
        };
        if (spec.KernelSelfTest)
        {
            // Same image and devices as the ranks, so the check runs on exactly what they will use; its table's last
            // lines become the termination message a failed pod reports.
            podSpec["initContainers"] = new JsonArray(new JsonObject
            {
                ["name"] = SelfTestContainer,
                ["image"] = spec.Image,
                ["args"] = new JsonArray("selftest"),
                ["resources"] = container["resources"]!.DeepClone(),
                ["terminationMessagePolicy"] = "FallbackToLogsOnError",
                ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false },
            });
        }

        if (threeFS is not null)
        {
            container["volumeMounts"]!.AsArray().Add(threeFS.VolumeMount());
            podSpec["volumes"]!.AsArray().Add(threeFS.Volume());
        }

        var selector = PlacementInputs.NodeSelector(spec, threeFS?.ClientNodes);
        if (node is null && selector.Count > 0)
        {
            podSpec["nodeSelector"] = new JsonObject([.. selector.Select(s => new KeyValuePair<string, JsonNode?>(s.Key, s.Value))]);
        }

        if (spec.Placement.Tolerations is { Count: > 0 } tolerations)
        {
            podSpec["tolerations"] = ChildObjects.Tolerations(tolerations);
        }

        if (spec.Scheduling.SchedulerName is { } scheduler)
        {
            podSpec["schedulerName"] = scheduler;
        }

        if (spec.Scheduling.PriorityClassName is { } priority)
        {
            podSpec["priorityClassName"] = priority;
        }

        var metadata = Metadata(group, EPGroupNames.Pod(name, index), node is null
                ? new JsonObject { [EPGroupNames.NodeIndexLabel] = index.ToString(CultureInfo.InvariantCulture), [EPGroupNames.AttemptLabel] = attempt.ToString(CultureInfo.InvariantCulture), [EPGroupNames.PodGroupLabel] = EPGroupNames.PodGroup(name) }
                : new JsonObject { [EPGroupNames.NodeIndexLabel] = index.ToString(CultureInfo.InvariantCulture), [EPGroupNames.AttemptLabel] = attempt.ToString(CultureInfo.InvariantCulture) });
        // Which spec the pod runs: a change of any field that is not applied in place changes it, and the whole
        // group is replaced (EPGroupReconciler's update step).
        metadata["annotations"] = new JsonObject { [EPGroupNames.RevisionAnnotation] = revision ?? Revision(spec) };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = podSpec,
        };
    }

    /// <summary>The revision of the spec the group's pods must run (<see cref="SpecChanges.Revision{TSpec}"/>).</summary>
    public static string Revision(EPGroupSpec spec) => SpecChanges.Revision(spec);

    /// <summary>The revision a pod was made for, or null for a pod made before revisions were recorded.</summary>
    public static string? RevisionOf(JsonObject pod) => (string?)pod["metadata"]?["annotations"]?[EPGroupNames.RevisionAnnotation];

    /// <summary>
    /// Whether the pod was made for another revision than <paramref name="revision"/>. A pod without one (made by an
    /// earlier operator) counts as current, so upgrading the operator never replaces a running group.
    /// </summary>
    public static bool IsOutdated(JsonObject pod, string revision) => RevisionOf(pod) is { } made && made != revision;

    /// <summary>The group's current restart attempt: how many whole-group restarts it has had.</summary>
    public static int Attempt(JsonObject group) => TypedStatus.Of<EPGroupStatus>(group).Restarts ?? 0;

    /// <summary>Whether an external gang scheduler (spec.scheduling.schedulerName) places the pods instead of the operator.</summary>
    public static bool UsesExternalScheduler(EPGroupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return ChildObjects.UsesExternalScheduler(spec.Scheduling);
    }

    /// <summary>
    /// The PodGroup of the coscheduling plugin (kubernetes-sigs/scheduler-plugins): the scheduler binds none of the
    /// group's pods until all of them fit, and gives up after the spec's gang timeout.
    /// </summary>
    public static JsonObject PodGroup(JsonObject group, EPGroupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(spec);
        var name = (string)group["metadata"]!["name"]!;
        return ChildObjects.PodGroup(Metadata(group, EPGroupNames.PodGroup(name)), spec.Ranks / spec.RanksPerNode, spec.Scheduling);
    }

    // An external scheduler's placement: one pod per node (a node's GPUs share NVLink), packed into the narrowest
    // topology domain it can manage, as the operator's planner would prefer.
    private static JsonObject ExternalAffinity(EPGroupSpec spec, string group)
    {
        var sameGroup = new JsonObject { ["matchLabels"] = new JsonObject { [EPGroupNames.GroupLabel] = group } };
        var affinity = new JsonObject
        {
            ["podAntiAffinity"] = new JsonObject
            {
                ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject { ["labelSelector"] = sameGroup.DeepClone(), ["topologyKey"] = "kubernetes.io/hostname" }),
            },
        };
        if (PlacementInputs.TopologyKeys(spec) is { Count: > 0 } keys)
        {
            affinity["podAffinity"] = new JsonObject
            {
                ["preferredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject
                {
                    ["weight"] = 100,
                    ["podAffinityTerm"] = new JsonObject { ["labelSelector"] = sameGroup, ["topologyKey"] = keys[^1] },
                }),
            };
        }

        return affinity;
    }

    /// <summary>The worker's environment: rendezvous, model shape, expert map and, on GPU transports, NVSHMEM settings.</summary>
    public static IEnumerable<JsonNode> Environment(EPGroupSpec spec, string group, string ns, int index)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var model = spec.Model;
        var values = new List<(string Name, string Value)>
        {
            (WorkerEnvironment.Group, group),
            (WorkerEnvironment.WorldSize, Text(spec.Ranks)),
            (WorkerEnvironment.RanksPerNode, Text(spec.RanksPerNode)),
            (WorkerEnvironment.RankBase, Text(index * spec.RanksPerNode)),
            (WorkerEnvironment.MasterAddress, EPGroupNames.PodDns(group, 0, ns)),
            (WorkerEnvironment.MasterPort, EPGroupNames.RendezvousPort),
            (WorkerEnvironment.MetricsPort, Text(EPGroupNames.MetricsPort)),
            (WorkerEnvironment.Transport, spec.Transport.Backend.ToString()),
            (WorkerEnvironment.HiddenSize, Text(model.HiddenSize)),
            (WorkerEnvironment.Experts, Text(model.Experts)),
            (WorkerEnvironment.ExpertGroups, Text(model.ExpertGroups)),
            (WorkerEnvironment.TopkGroups, Text(model.TopkGroups)),
            (WorkerEnvironment.Topk, Text(model.Topk)),
            (WorkerEnvironment.PhysicalExpertSlots, Text(ExpertMapBuilder.Slots(model))),
            (WorkerEnvironment.MaxTokensPerRank, Text(model.MaxTokensPerRank)),
            (WorkerEnvironment.ExpertPrecision, model.ExpertPrecision.ToString()),
            (WorkerEnvironment.ExpertMap, ExpertMapDocument.MountedPath),
        };
        if (spec.Transport.Backend is TransportBackend.NVSHMEM or TransportBackend.Auto)
        {
            // DeepEP's recommended NVSHMEM settings (see the kernels notes): IBGDA, one RC per local expert,
            // a queue deep enough for every token of a step, and the workarounds DeepEP documents.
            values.AddRange(
            [
                ("NVSHMEM_IB_ENABLE_IBGDA", "1"),
                ("NVSHMEM_IBGDA_NUM_RC_PER_PE", Text(Math.Max(1, ExpertMapBuilder.Slots(model) / spec.Ranks))),
                ("NVSHMEM_QP_DEPTH", Text(Math.Max(1024, 2 * (model.MaxTokensPerRank + 1)))),
                ("NVSHMEM_MAX_TEAMS", "7"),
                ("NVSHMEM_DISABLE_NVLS", "1"),
                ("NVSHMEM_CUMEM_GRANULARITY", Text(1 << 29)),
                (WorkerEnvironment.CommunicationSMs, Text(spec.Transport.CommunicationSMs)),
            ]);
            if (spec.Transport.IbServiceLevel is { } level)
            {
                values.Add(("NVSHMEM_IB_SL", Text(level)));
            }
        }

        foreach (var (name, value) in values)
        {
            yield return new JsonObject { ["name"] = name, ["value"] = value };
        }

        foreach (var (name, path) in new[] { (WorkerEnvironment.PodName, "metadata.name"), (WorkerEnvironment.PodNamespace, "metadata.namespace"), (WorkerEnvironment.PodIP, "status.podIP"), (WorkerEnvironment.NodeName, "spec.nodeName") })
        {
            yield return new JsonObject { ["name"] = name, ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = path } } };
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
