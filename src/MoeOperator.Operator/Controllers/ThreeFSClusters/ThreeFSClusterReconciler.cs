using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.Resources;
using MoeOperator.Planning.ThreeFS;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Converges one ThreeFSCluster: FoundationDB (checked or run), the admin token, the daemons' placement, their
/// configs and the chain table, then upstream's bootstrap steps one at a time (each recorded in status and never
/// repeated), then a probe that reads list-nodes and list-chains into status and metrics. Status is written first
/// and guarded by the resourceVersion, so a stale view never creates what another pass already decided.
/// </summary>
internal sealed partial class ThreeFSClusterReconciler(
    CacheView clusters,
    CacheView pods,
    CacheView jobs,
    CacheView configMaps,
    CacheView secrets,
    CacheView daemonSets,
    CacheView nodes,
    KubernetesJsonClient api,
    EventRecorder events,
    ThreeFSMetrics metrics,
    PlacementLedger ledger,
    TimeProvider clock) : IReconciler
{
    /// <summary>Keeps deletion waiting until the data policy has been carried out.</summary>
    public const string Finalizer = "moe.dev/threefs-data";

    private static readonly TimeSpan _poll = TimeSpan.FromSeconds(2);
    private readonly ChildWriter _writer = new(api);
    private readonly StatusWriter _status = new(api);

    public async Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (clusters.Get(key) is not { } cluster)
        {
            ledger.Release(Owner(key));
            metrics.Forget(key.Namespace, key.Name);
            return ReconcileResult.Done;
        }

        // Daemon pods seen bound (or gone) no longer need the room the ledger holds for them: the caches count them.
        foreach (var pod in ClusterPods(key))
        {
            ledger.Observe($"{key.Namespace}/{pod["metadata"]!["name"]}", (string?)pod["spec"]?["nodeName"] is { Length: > 0 }, PodResources.IsActive(pod) && pod["metadata"]?["deletionTimestamp"] is null);
        }

        if (cluster["metadata"]?["deletionTimestamp"] is not null)
        {
            return await DeleteAsync(key, cluster, cancellationToken);
        }

        if (Finalizers.AddPatch(cluster, Finalizer) is { } addFinalizer)
        {
            await PatchAsync(key, addFinalizer, "application/json-patch+json", cancellationToken);
            return ReconcileResult.Done;
        }

        var pass = ThreeFSClusterPass.Of(key, cluster, clock.GetUtcNow());
        return await ChildRefusals.ReportingAsync(events, cluster, () => StepsAsync(pass, cancellationToken), refusal => RefusedAsync(pass, refusal, cancellationToken), cancellationToken);
    }

    // The API server refused a child (a daemon pod the namespace's Pod Security level forbids, say): Ready says why.
    private async Task RefusedAsync(ThreeFSClusterPass pass, string refusal, CancellationToken cancellationToken)
    {
        ConditionList.Set(pass.Status.Conditions ??= [], "Ready", false, ChildRefusals.Reason, refusal, pass.Generation, clock.GetUtcNow());
        await FinishAsync(pass, ReconcileResult.Done, cancellationToken);
    }

    private async Task<ReconcileResult> StepsAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster) = (pass.Key, pass.Cluster);

        // The steps, in order: the database, the token, where each daemon runs, their configs and the chain table,
        // then bootstrap, and once bootstrapped health, upgrades and scale-out.
        if (await FoundationDBAsync(pass, cancellationToken) is { } waitForDatabase)
        {
            return await FinishAsync(pass, waitForDatabase, cancellationToken);
        }

        await EnsureTokenAsync(key, cluster, cancellationToken);
        pass.Status.TokenSecretName = ThreeFSNames.TokenSecret(key.Name);
        if (PlaceMembers(pass) is { } placing)
        {
            return await FinishAsync(pass, placing, cancellationToken);
        }

        await EnsureConfigsAsync(pass, cancellationToken);
        if (!await EnsureChainTableAsync(pass, cancellationToken))
        {
            return await FinishAsync(pass, ReconcileResult.Done, cancellationToken);
        }

        var next = await BootstrapAsync(pass, cancellationToken);
        if (ThreeFSBootstrap.Next(Completed(pass.Status), pass.Spec.Clients.Enabled) is null)
        {
            next = await ProbeAsync(pass, cancellationToken);
            next = await UpgradeAsync(pass, cancellationToken) ?? await ScaleOutAsync(pass, cancellationToken) ?? next;
            pass.ClientsUpToDate = await RollClientsAsync(pass, cancellationToken);
        }

        return await FinishAsync(pass, next, cancellationToken);
    }

    // Step: once bootstrapped, the FUSE DaemonSet follows spec.clients (node selector, tolerations, resources, and
    // the image); the DaemonSet controller rolls it one node at a time. True when every client runs the current
    // template and is ready, or there are no clients.
    private async Task<bool> RollClientsAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        if (!pass.Spec.Clients.Enabled)
        {
            return true;
        }

        var (key, cluster, spec) = (pass.Key, pass.Cluster, pass.Spec);
        var cached = daemonSets.Get(new ObjectReference(key.Namespace, ThreeFSNames.FuseDaemonSet(key.Name)));
        if (await _writer.EnsureAsync($"/apis/apps/v1/namespaces/{key.Namespace}/daemonsets", ThreeFSPodBuilder.FuseDaemonSet(cluster, spec), cached, cancellationToken) != ChildOutcome.Unchanged)
        {
            return false;
        }

        var status = cached?["status"];
        var desired = (int?)status?["desiredNumberScheduled"] ?? 0;
        return (long?)status?["observedGeneration"] == (long?)cached?["metadata"]?["generation"]
            && (int?)status?["updatedNumberScheduled"] == desired && (int?)status?["numberReady"] == desired;
    }

    // Step: where each daemon runs. The placement is recorded before any pod is created on it, so a crash never
    // places a daemon twice; a result means this pass ends here (unplaceable, or the placement just recorded).
    private ReconcileResult? PlaceMembers(ThreeFSClusterPass pass)
    {
        var (spec, status, generation, now) = (pass.Spec, pass.Status, pass.Generation, pass.Now);
        var existing = status.Members ?? [];
        var placement = ThreeFSPlacement.Place(spec, nodes.List(), existing);
        ConditionList.Set(status.Conditions ??= [], "SpecAccepted", placement.Refusal is null, placement.Refusal is null ? "Accepted" : "ScaleDownRefused", placement.Refusal ?? "the spec can be carried out", generation, now);
        if (placement.Reason is { } unplaceable)
        {
            status.Phase = ThreeFSClusterPhase.Pending;
            ConditionList.Set(status.Conditions ??= [], "Ready", false, "Unschedulable", unplaceable, generation, now);
            return ReconcileResult.After(TimeSpan.FromSeconds(10));
        }

        if (!existing.SequenceEqual(placement.Members))
        {
            status.Members = [.. placement.Members];
            return ReconcileResult.After(TimeSpan.Zero);
        }

        return null;
    }

    // Step: every component's configuration files, from upstream's templates and the placed members.
    private async Task EnsureConfigsAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster, spec, members) = (pass.Key, pass.Cluster, pass.Spec, pass.Members);
        var inputs = Inputs(spec, members);
        var components = new List<ThreeFSComponent> { ThreeFSComponent.Mgmtd, ThreeFSComponent.Meta, ThreeFSComponent.Storage, ThreeFSComponent.AdminCli };
        if (spec.Clients.Enabled)
        {
            components.Add(ThreeFSComponent.Fuse);
        }

        foreach (var component in components)
        {
            var desired = ThreeFSPodBuilder.ConfigMap(cluster, component, inputs);
            await _writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/configmaps", desired, configMaps.Get(new ObjectReference(key.Namespace, ThreeFSNames.ConfigMap(key.Name, component))), cancellationToken);
        }
    }

    private static ThreeFSConfigInputs Inputs(ThreeFSClusterSpec spec, IReadOnlyList<ThreeFSMember> members)
    {
        List<ThreeFSMember> Of(ThreeFSComponent c) => [.. members.Where(m => m.Component == ThreeFSNames.Component(c)).OrderBy(m => m.NodeId)];
        var mgmtd = Of(ThreeFSComponent.Mgmtd);
        return new ThreeFSConfigInputs(spec, [.. mgmtd.Select(m => m.Address!)], [.. mgmtd.Select(m => m.NodeId)], [.. Of(ThreeFSComponent.Meta).Select(m => m.NodeId)], [.. Of(ThreeFSComponent.Storage).Select(m => m.NodeId)]);
    }

    /// <summary>The cluster's name in the placement ledger.</summary>
    private static string Owner(ObjectReference key) => $"{ThreeFSClusterController.Name}/{key.Namespace}/{key.Name}";

    private static List<string> Completed(ThreeFSClusterStatus status) => [.. status.CompletedBootstrapSteps ?? []];

    // An external database must have its cluster file; a managed one is created and its cluster file written once
    // its first process has an address. Null means the database is there.
    private async Task<ReconcileResult?> FoundationDBAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster, spec, status, generation, now) = (pass.Key, pass.Cluster, pass.Spec, pass.Status, pass.Generation, pass.Now);
        var (secretName, secretKey) = ThreeFSVolumes.ClusterFileSecret(key.Name, spec);
        // A version mismatch found by the check step stands until the check passes (it is re-evaluated each pass).
        var mismatch = ConditionList.Reason(status.Conditions, "FoundationDB") == "VersionMismatch"
            && !Completed(status).Contains(ThreeFSBootstrap.Name(ThreeFSBootstrapStep.CheckFoundationDB));
        if (spec.FoundationDB.External is not null)
        {
            var secret = secrets.Get(new ObjectReference(key.Namespace, secretName));
            if (secret?["data"]?[secretKey] is null)
            {
                ConditionList.Set(status.Conditions ??= [], "FoundationDB", false, "ClusterFileMissing",
                    $"spec.foundationDB.external.clusterFileSecret names Secret {secretName} (key {secretKey}), which {(secret is null ? "does not exist" : "has no such key")} in namespace {key.Namespace}: create it from your fdb.cluster", generation, now);
                status.Phase = ThreeFSClusterPhase.Pending;
                return ReconcileResult.After(TimeSpan.FromSeconds(10));
            }

            if (!mismatch)
            {
                ConditionList.Set(status.Conditions ??= [], "FoundationDB", true, "External", $"cluster file from Secret {secretName}", generation, now);
            }

            return null;
        }

        await _writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/services", FoundationDBBuilder.Service(cluster), null, cancellationToken);
        await _writer.EnsureAsync($"/apis/apps/v1/namespaces/{key.Namespace}/statefulsets", FoundationDBBuilder.StatefulSet(cluster, spec), null, cancellationToken);
        if (secrets.Get(new ObjectReference(key.Namespace, secretName)) is { } clusterFile)
        {
            // Kept from an earlier cluster of this name: the same database, with the data it holds.
            await AdoptReleasedSecretAsync(key, cluster, clusterFile, cancellationToken);
        }
        else
        {
            var first = pods.Get(new ObjectReference(key.Namespace, FoundationDBBuilder.Name(key.Name) + "-0"));
            if ((string?)first?["status"]?["podIP"] is not { Length: > 0 } ip)
            {
                ConditionList.Set(status.Conditions ??= [], "FoundationDB", false, "Starting", $"waiting for {FoundationDBBuilder.Name(key.Name)}-0 to have an address", generation, now);
                status.Phase = ThreeFSClusterPhase.Pending;
                return ReconcileResult.After(_poll);
            }

            var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
            await CreateSecretAsync(key, cluster, secretName, secretKey, FoundationDBBuilder.ClusterFile(spec.ClusterId, id, ip), cancellationToken);
        }

        if (!mismatch)
        {
            // The database is there once created, but reachable only while one of its processes runs: a condition
            // that stayed True with every process down would hide why 3FS stops serving.
            var replicas = spec.FoundationDB.Managed!.Replicas;
            var ready = Enumerable.Range(0, replicas)
                .Count(i => pods.Get(new ObjectReference(key.Namespace, $"{FoundationDBBuilder.Name(key.Name)}-{i}")) is { } process && IsReady(process));
            ConditionList.Set(status.Conditions ??= [], "FoundationDB", ready > 0, ready > 0 ? "Managed" : "NoProcessReady",
                ready > 0
                    ? $"{ready} of {replicas} processes of {FoundationDBBuilder.Image(spec)} ready"
                    : $"none of the {replicas} FoundationDB processes ({FoundationDBBuilder.Name(key.Name)}) is ready, so no 3FS daemon can reach the database; kubectl describe pod {FoundationDBBuilder.Name(key.Name)}-0 -n {key.Namespace} says why",
                generation, now);
        }

        return null;
    }

    // The admin token is made once and never changed: the root user is created with it.
    private async Task EnsureTokenAsync(ObjectReference key, JsonObject cluster, CancellationToken cancellationToken)
    {
        if (secrets.Get(new ObjectReference(key.Namespace, ThreeFSNames.TokenSecret(key.Name))) is { } kept)
        {
            // Kept from an earlier cluster of this name (deletionPolicy Retain): its root user has this token.
            await AdoptReleasedSecretAsync(key, cluster, kept, cancellationToken);
        }
        else
        {
            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            await CreateSecretAsync(key, cluster, ThreeFSNames.TokenSecret(key.Name), ThreeFSNames.TokenKey, token, cancellationToken);
        }
    }

    private async Task CreateSecretAsync(ObjectReference key, JsonObject cluster, string name, string dataKey, string value, CancellationToken cancellationToken)
    {
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = ChildObjects.Metadata(cluster, ThreeFSCluster.KindName, ThreeFSNames.ClusterLabel, name),
            ["type"] = "Opaque",
            ["data"] = new JsonObject { [dataKey] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) },
        };
        var (code, body) = await api.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{key.Namespace}/secrets", secret, cancellationToken: cancellationToken);
        // Conflict: another pass (or a stale cache) made it already; it is never overwritten.
        if (code != HttpStatusCode.Conflict && (int)code is < 200 or > 299)
        {
            throw new ApiRequestException(code, $"create secret {key.Namespace}/{name} answered {(int)code}: {body?["message"]}");
        }
    }

    // The chain table is planned once, over the storage node ids, and kept: target ids are written into the disks.
    private async Task<bool> EnsureChainTableAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster, spec, status, generation, now, members) = (pass.Key, pass.Cluster, pass.Spec, pass.Status, pass.Generation, pass.Now, pass.Members);
        if (configMaps.Get(new ObjectReference(key.Namespace, ThreeFSNames.ChainTable(key.Name))) is not null)
        {
            return true;
        }

        ChainTable table;
        try
        {
            var storage = members.Where(m => m.Component == "storage").Select(m => m.NodeId).Order().ToList();
            table = ChainTablePlanner.Plan(ThreeFSClusterModule.ChainTable(spec, storage));
        }
        catch (ChainTablePlanException e)
        {
            status.Phase = ThreeFSClusterPhase.Failed;
            ConditionList.Set(status.Conditions ??= [], "Ready", false, "InvalidSpec", $"spec.storage: {e.Message}", generation, now);
            return false;
        }

        await _writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/configmaps", ThreeFSJobBuilder.ChainTableConfigMap(cluster, table), null, cancellationToken);
        await events.RecordAsync(cluster, warning: false, "ChainTablePlanned", "Plan",
            $"{table.Chains.Count} chains over {members.Count(m => m.Component == "storage")} storage nodes; node pairs share {table.Balance.MinChainsPerNodePair}..{table.Balance.MaxChainsPerNodePair} chains", cancellationToken);
        return true;
    }

    private async Task PatchAsync(ObjectReference key, JsonNode patch, string contentType, CancellationToken cancellationToken)
    {
        var (code, body) = await api.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{key.Namespace}/{Kinds.ThreeFSCluster.Plural}/{key.Name}", patch, contentType, cancellationToken);
        if ((int)code is < 200 or > 299 && code != HttpStatusCode.NotFound)
        {
            throw new ApiRequestException(code, $"patch of threefscluster {key} answered {(int)code}: {body?["message"]}");
        }
    }

    private async Task<ReconcileResult> FinishAsync(ThreeFSClusterPass pass, ReconcileResult next, CancellationToken cancellationToken)
    {
        var (key, cluster, status, spec) = (pass.Key, pass.Cluster, pass.Status, pass.Spec);
        status.Nodes = Counts(key, spec);
        metrics.Status(key.Namespace, key.Name, status);
        if (pass.Realized)
        {
            // Until then the Upgrading, StorageScaling or SpecAccepted condition says what is in progress or refused.
            status.ObservedGeneration = pass.Generation;
        }

        try
        {
            await _status.WriteAsync($"/apis/moe.dev/v1alpha1/namespaces/{key.Namespace}/{Kinds.ThreeFSCluster.Plural}/{key.Name}", cluster, TypedStatus.ToJson(status), cancellationToken);
        }
        catch (ApiRequestException e) when (e.Status == HttpStatusCode.Conflict)
        {
            // This pass read a cluster older than the last write (often its own): run again on the newer one.
            return ReconcileResult.Again;
        }

        return next;
    }

    private ThreeFSNodeCounts Counts(ObjectReference key, ThreeFSClusterSpec spec)
    {
        ReplicaCount Count(ThreeFSComponent component, int desired) => new()
        {
            Desired = desired,
            Ready = ClusterPods(key).Count(p => ComponentOf(p) == ThreeFSNames.Component(component) && IsReady(p)),
        };
        return new ThreeFSNodeCounts
        {
            Mgmtd = Count(ThreeFSComponent.Mgmtd, spec.Mgmtd.Replicas),
            Meta = Count(ThreeFSComponent.Meta, spec.Meta.Replicas),
            Storage = Count(ThreeFSComponent.Storage, spec.Storage.Replicas),
        };
    }

    // The cluster's pods (daemons and admin Job pods) in its namespace, from the cache.
    private IEnumerable<JsonObject> ClusterPods(ObjectReference key) =>
        pods.ByLabel(ThreeFSNames.ClusterLabel, key.Name).Where(p => (string?)p["metadata"]?["namespace"] == key.Namespace);

    private static string? ComponentOf(JsonObject pod) => (string?)pod["metadata"]?["labels"]?[ThreeFSNames.ComponentLabel];

    private static bool IsReady(JsonObject pod) =>
        pod["metadata"]?["deletionTimestamp"] is null
        && pod["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
