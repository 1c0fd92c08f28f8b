using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters.AdminCli;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// The health probe: a short admin Job that prints list-chains; its log becomes status (targets and
/// chains by state, the Storage and Ready conditions) and metrics. It runs every few seconds while a chain is not
/// fully serving, less often when all are.
/// </summary>
internal sealed partial class ThreeFSClusterReconciler
{
    public const string ProbeStep = "probe";

    private static readonly TimeSpan _healthyInterval = TimeSpan.FromSeconds(10);
    // The last health read, with the time its probe started.
    private readonly ConcurrentDictionary<ObjectReference, (DateTimeOffset Time, ThreeFSHealth Health)> _health = new();

    /// <summary>The last health the probe read for a cluster, if any (rolling restarts wait on it).</summary>
    private ThreeFSHealth? LastHealth(ObjectReference key) => _health.TryGetValue(key, out var known) ? known.Health : null;

    private async Task<ReconcileResult> ProbeAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster, spec, status, generation, now) = (pass.Key, pass.Cluster, pass.Spec, pass.Status, pass.Generation, pass.Now);
        var probes = jobs.ByLabel(ThreeFSJobBuilder.StepLabel, ProbeStep)
            .Where(j => (string?)j["metadata"]?["namespace"] == key.Namespace && (string?)j["metadata"]?["labels"]?[ThreeFSNames.ClusterLabel] == key.Name)
            .ToList();
        var running = false;
        foreach (var probe in probes.Where(p => p["metadata"]?["deletionTimestamp"] is null))
        {
            if (JobCondition(probe, "Complete"))
            {
                // The probe's own start time: what it printed may predate anything that happened while it ran.
                var started = DateTimeOffset.TryParse((string?)probe["metadata"]?["creationTimestamp"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : now;
                Read(key, spec, await JobLogAsync(key.Namespace, probe, tailLines: null, cancellationToken), started);
                await DeleteJobAsync(key.Namespace, probe, cancellationToken);
            }
            else if (JobCondition(probe, "Failed"))
            {
                var tail = await JobLogAsync(key.Namespace, probe, tailLines: 5, cancellationToken);
                ConditionList.Set(status.Conditions ??= [], "Storage", null, "ProbeFailed", $"admin_cli could not list the cluster: {tail.Trim()}", generation, now);
                await DeleteJobAsync(key.Namespace, probe, cancellationToken);
            }
            else
            {
                running = true;
            }
        }

        var known = _health.TryGetValue(key, out var last);
        // A daemon that is not ready (just killed, restarting) is a reason to look again soon.
        var daemonsReady = ClusterPods(key).Where(p => ComponentOf(p) is "mgmtd" or "meta" or "storage").All(IsReady);
        var healthy = known && last.Health.AllChainsServing && daemonsReady;
        var interval = healthy ? _healthyInterval : _poll;
        if (!running && (!known || now - last.Time >= interval))
        {
            var name = $"{ProbeStep}-{now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
            var job = ThreeFSJobBuilder.Job(cluster, spec, name, ThreeFSJobBuilder.ProbeScript(), mainConfigOf: null, chainTable: false, keep: false);
            job["metadata"]!["labels"]![ThreeFSJobBuilder.StepLabel] = ProbeStep;
            job["spec"]!["template"]!["metadata"]!["labels"]![ThreeFSJobBuilder.StepLabel] = ProbeStep;
            await _writer.EnsureAsync($"/apis/batch/v1/namespaces/{key.Namespace}/jobs", job, null, cancellationToken);
        }

        if (_health.TryGetValue(key, out var current))
        {
            Apply(status, current.Health, generation, now);
            metrics.Health(key.Namespace, key.Name, current.Health);
        }

        return ReconcileResult.After(interval);
    }

    private void Read(ObjectReference key, ThreeFSClusterSpec spec, string log, DateTimeOffset now)
    {
        var sections = AdminCliOutput.Sections(log, ThreeFSJobBuilder.ProbeMarker);
        if (sections.TryGetValue("list-chains", out var chains))
        {
            _health[key] = (now, ThreeFSHealth.From(AdminCliOutput.ParseChains(chains), spec.Storage.ReplicationFactor));
        }
    }

    private static void Apply(ThreeFSClusterStatus status, ThreeFSHealth health, long generation, DateTimeOffset now)
    {
        status.Targets = health.Targets;
        status.Chains = health.Chains;
        var chains = health.Chains;
        if (health.AllChainsServing)
        {
            ConditionList.Set(status.Conditions ??= [], "Storage", true, "AllChainsServing", $"{chains.Total} of {chains.Total} chains serving", generation, now);
            status.Phase = ThreeFSClusterPhase.Ready;
            ConditionList.Set(status.Conditions ??= [], "Ready", true, "AllChainsServing", $"bootstrapped; {chains.Total} chains serving", generation, now);
        }
        else
        {
            var message = $"{chains.Serving} of {chains.Total} chains fully serving, {chains.Degraded} degraded, {chains.Unavailable} unavailable; {health.Targets.Offline} targets offline, {health.Targets.Syncing} syncing";
            ConditionList.Set(status.Conditions ??= [], "Storage", false, chains.Unavailable > 0 ? "ChainsUnavailable" : "ChainsDegraded", message, generation, now);
            status.Phase = ThreeFSClusterPhase.Degraded;
            ConditionList.Set(status.Conditions ??= [], "Ready", false, chains.Unavailable > 0 ? "ChainsUnavailable" : "ChainsDegraded", message, generation, now);
        }
    }

    private async Task DeleteJobAsync(string ns, JsonObject job, CancellationToken cancellationToken)
    {
        var options = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = "Background" };
        await api.SendAsync(HttpMethod.Delete, $"/apis/batch/v1/namespaces/{ns}/jobs/{job["metadata"]!["name"]}", options, cancellationToken: cancellationToken);
    }
}
