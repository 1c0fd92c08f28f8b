using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Http;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// The kubelet of every node of the pool: runs the pods bound to them (init containers in order, then the
/// containers), restarts exited containers per restartPolicy with CrashLoopBackOff, runs startup, liveness and
/// readiness probes, keeps each pod's /etc/hosts and configMap/secret volumes current, reports pod status, and
/// terminates deleted pods gracefully (SIGTERM, the grace period, then SIGKILL) before removing them. Pods of a
/// node that went down lose their processes at once, as when a machine dies.
/// </summary>
internal sealed class Kubelet : ControlLoop, IPodLogSource, IPodExec, IDisposable
{
    private readonly KubeletOptions _options;
    private readonly NodeAgent _nodes;
    private readonly ContainerLauncher _launcher;
    private readonly PodVolumes _volumes;
    private readonly PodAddresses _addresses = new();
    private readonly ConcurrentDictionary<string, PodRuntime> _pods = new();
    private readonly IPEndPoint _apiServer;
    private readonly ResourceCache _podCache;
    private readonly ResourceCache _nodeCache;

    // Pods a pass must look at again even if their object does not change, and the pod each key named last time.
    private readonly HashSet<(string Namespace, string Name)> _unsettled = [];
    private readonly Dictionary<(string Namespace, string Name), string> _uidByKey = [];
    private readonly ConcurrentQueue<(string Namespace, string Name)> _poked = new();
    private HashSet<string> _down = new(StringComparer.Ordinal);
    private DateTimeOffset _lastFullPass = DateTimeOffset.MinValue;

    public Kubelet(ClusterApi api, KubeletOptions options, NodeAgent nodes, ServiceAccountFiles serviceAccount, IPEndPoint apiServer)
        : base(api, options.SyncPeriod, "pods", "services", "configmaps", "secrets", "nodes")
    {
        _options = options;
        _nodes = nodes;
        _apiServer = apiServer;
        _podCache = api.Cache("pods");
        _nodeCache = api.Cache("nodes");
        _volumes = new PodVolumes(options.DataDirectory, Lookup, serviceAccount);
        _launcher = new ContainerLauncher(options, _volumes, serviceAccount, Lookup, api.Clock);
    }

    /// <summary>Fault: kills the process of one container of a pod (SIGKILL), as if it crashed.</summary>
    public bool KillContainer(string ns, string pod, string? container = null)
    {
        var runtime = Current(ns, pod);
        var target = runtime?.Containers.FirstOrDefault(c => container is null || c.Name == container);
        if (target?.Run is null)
        {
            return false;
        }

        target.Run.Kill();
        runtime!.QuietUntil = null;
        // A settled pod is looked at again only when asked: its object did not change, its container did.
        _poked.Enqueue((runtime!.Namespace, runtime.Name));
        Wake();
        return true;
    }

    /// <summary>Fault: cuts (or restores) one pod's connections to the API server; false when the pod has no relay.</summary>
    public bool PartitionFromApiServer(string ns, string pod, bool partitioned)
    {
        var proxy = Current(ns, pod)?.Proxy;
        if (proxy is null)
        {
            return false;
        }

        proxy.Partitioned = partitioned;
        return true;
    }

    public Process Exec(string ns, string pod, string? container, IReadOnlyList<string> command)
    {
        var current = Api.Get("pods", ns, pod) ?? throw new ApiException(404, "NotFound", $"pods \"{pod}\" not found");
        var runtime = _pods.TryGetValue(Uid(current), out var r) ? r : throw ApiException.BadRequest($"pod {pod} has not started on its node yet");
        var state = runtime.Containers.FirstOrDefault(c => container is null || c.Name == container)
            ?? throw ApiException.BadRequest($"container {container} is not valid for pod {pod}");
        if (!state.IsRunning)
        {
            throw ApiException.BadRequest($"container {state.Name} is not running (pod {pod}); exec needs a running container");
        }

        try
        {
            return _launcher.Exec(current, runtime, state, (string?)current["status"]?["hostIP"] ?? "127.0.0.1", command);
        }
        catch (InvalidOperationException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw ApiException.BadRequest($"exec of {(command.Count > 0 ? command[0] : "")} in container {state.Name} failed: {e.Message}");
        }
    }

    public string? ReadLog(string ns, string pod, string? container, bool previous)
    {
        var runtime = Current(ns, pod);
        var state = runtime?.All.FirstOrDefault(c => container is null || c.Name == container);
        if (runtime is null || state is null)
        {
            return null;
        }

        var run = previous ? state.Runs - 1 : state.Runs;
        if (run < 1)
        {
            return null;
        }

        var path = Path.Combine(runtime.Directory, "logs", state.Name, run.ToString(CultureInfo.InvariantCulture) + ".log");
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // A pass looks only at the pods that may need it: those that changed, those not settled (a process, a timer, a
    // termination), those a fault acted on (a killed container) and those of a node that changed or went down or
    // came back; every ResyncPeriod (30 s by default) at all of them, a net under anything missed. The caches copy
    // only what changed: ten thousand settled pods cost nothing per pass.
    protected override void Pass()
    {
        var now = Api.Clock.GetUtcNow();
        var changedNodes = _nodeCache.Refresh();
        var changedPods = _podCache.Refresh();
        var down = _nodes.DownNodes();
        var full = now - _lastFullPass >= _options.ResyncPeriod;
        var keys = full ? AllKeys() : Candidates(changedPods, changedNodes, down);
        _down = down;
        var view = new KubeletPassView(Api, _podCache.Items, uid => _pods.TryGetValue(uid, out var r) ? r.Ip : null);
        var due = new List<(JsonObject Pod, JsonObject Node)>();
        foreach (var key in keys)
        {
            if (Look(key, down) is { } work)
            {
                due.Add(work);
            }
        }

        // In creation order: the kubelet admits pods in the order they came, so a later pod is the one refused.
        foreach (var (cached, node) in due
            .OrderBy(d => (string?)d.Pod["metadata"]?["creationTimestamp"], StringComparer.Ordinal)
            .ThenBy(d => (string?)d.Pod["metadata"]?["name"], StringComparer.Ordinal))
        {
            // The cache's copy is shared between passes; the sync writes the status into a copy of its own.
            var pod = cached.DeepClone().AsObject();
            // One pod's trouble must not stall the others; it is retried next pass.
            ForObject(pod, "pod", () => SyncPod(pod, node, view, now));
            var settled = _pods.TryGetValue(Uid(pod), out var runtime) && runtime.SettledVersion is not null;
            if (settled)
            {
                _unsettled.Remove(KeyOf(pod));
            }
            else
            {
                _unsettled.Add(KeyOf(pod));
            }
        }

        if (full)
        {
            _lastFullPass = now;
            ForgetRuntimesWithoutPods();
        }
    }

    // Every pod of the cache, and every pod this kubelet still runs.
    private HashSet<(string Namespace, string Name)> AllKeys() => [.. _podCache.Items.Select(KeyOf), .. _uidByKey.Keys];

    private HashSet<(string Namespace, string Name)> Candidates(IReadOnlyList<(string Namespace, string Name)> changedPods, IReadOnlyList<(string Namespace, string Name)> changedNodes, HashSet<string> down)
    {
        var keys = new HashSet<(string Namespace, string Name)>(changedPods);
        keys.UnionWith(_unsettled);
        while (_poked.TryDequeue(out var poked))
        {
            keys.Add(poked);
        }

        var nodes = changedNodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        nodes.UnionWith(down.Where(n => !_down.Contains(n)));
        nodes.UnionWith(_down.Where(n => !down.Contains(n)));
        if (nodes.Count > 0)
        {
            keys.UnionWith(_podCache.Items.Where(p => (string?)p["spec"]?["nodeName"] is { } node && nodes.Contains(node)).Select(KeyOf));
        }

        return keys;
    }

    // What one pod needs: nothing (settled, unbound or gone, its runtime let go), or a sync on its node.
    private (JsonObject Pod, JsonObject Node)? Look((string Namespace, string Name) key, HashSet<string> down)
    {
        var pod = _podCache.Find(key.Namespace, key.Name);
        var uid = pod is null ? null : Uid(pod);
        if (_uidByKey.TryGetValue(key, out var had) && had != uid)
        {
            // The pod went, or another pod took its name: what ran for the old one stops.
            Forget(had);
            _uidByKey.Remove(key);
        }

        var node = (string?)pod?["spec"]?["nodeName"];
        if (pod is null || uid is null || node is null)
        {
            // Gone, or not bound yet (binding it is a change that brings it back here).
            _unsettled.Remove(key);
            return null;
        }

        _uidByKey[key] = uid;
        if (_nodeCache.Find(null, node) is not { } nodeObject)
        {
            Forget(uid);
            _unsettled.Remove(key);
            return null;
        }

        if (down.Contains(node))
        {
            // The machine is gone: so are its processes (its address stays the pod's). Its pods' status is the node
            // lifecycle's to write; the node's return brings them back here.
            if (_pods.TryRemove(uid, out var lost))
            {
                lost.Dispose();
            }

            _unsettled.Remove(key);
            return null;
        }

        if (_pods.TryGetValue(uid, out var runtime) && runtime.SettledVersion == (string?)pod["metadata"]?["resourceVersion"] && runtime.IsSettled)
        {
            _unsettled.Remove(key);
            return null;
        }

        if (runtime is { QuietUntil: { } quietUntil } && Api.Clock.GetUtcNow() < quietUntil && runtime.QuietVersion == (string?)pod["metadata"]?["resourceVersion"])
        {
            // Waiting on a simulated timer only: nothing to write before it runs out; still unsettled.
            return null;
        }

        return (pod, nodeObject);
    }

    private void Forget(string uid)
    {
        if (_pods.TryRemove(uid, out var runtime))
        {
            runtime.Dispose();
        }

        _addresses.Release(uid);
    }

    // The net under the incremental passes: a runtime whose pod no longer exists, or whose node is gone, stops.
    private void ForgetRuntimesWithoutPods()
    {
        var live = _podCache.Items
            .Where(p => (string?)p["spec"]?["nodeName"] is { } node && _nodeCache.Find(null, node) is not null && !_down.Contains(node))
            .Select(Uid)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var uid in _pods.Keys.Where(u => !live.Contains(u)).ToList())
        {
            Forget(uid);
        }
    }

    private static (string Namespace, string Name) KeyOf(JsonObject pod) => (ClusterApi.Namespace(pod) ?? "", ClusterApi.Name(pod));

    protected override void Stop()
    {
        foreach (var runtime in _pods.Values)
        {
            runtime.Dispose();
        }

        _pods.Clear();
        _addresses.Dispose();
    }

    public void Dispose() => Stop();

    private static string Uid(JsonObject pod) => (string?)pod["metadata"]?["uid"] ?? "";

    // The runtime of the pod that has this name now: a deleted pod of the same name may still be winding down.
    private PodRuntime? Current(string ns, string pod) =>
        Api.Get("pods", ns, pod) is { } current && _pods.TryGetValue(Uid(current), out var runtime) ? runtime : null;

    private JsonObject? Lookup(string groupResource, string ns, string name) => Api.Get(groupResource, ns, name);

    private void SyncPod(JsonObject pod, JsonObject node, KubeletPassView view, DateTimeOffset now)
    {
        var uid = Uid(pod);
        if (!_pods.ContainsKey(uid) && pod["metadata"]?["deletionTimestamp"] is null && (string?)pod["status"]?["phase"] is not ("Succeeded" or "Failed"))
        {
            // Admission: the pods this kubelet already runs on the node, and this one, must fit.
            var admitted = view.BoundTo(ClusterApi.Name(node)).Where(p => _pods.ContainsKey(Uid(p)) && p["metadata"]?["deletionTimestamp"] is null);
            if (PodAdmission.Refusal(pod, node, admitted) is { } refusal)
            {
                var refused = pod["status"]?.DeepClone().AsObject() ?? [];
                refused["phase"] = "Failed";
                refused["reason"] = refusal.Reason;
                refused["message"] = refusal.Message;
                refused["startTime"] ??= now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                pod["status"] = refused;
                Api.UpdateStatus("pods", pod);
                return;
            }
        }

        var hostIp = (string?)node["status"]?["addresses"]?.AsArray().FirstOrDefault(a => (string?)a?["type"] == "InternalIP")?["address"] ?? "127.0.0.1";
        var runtime = _pods.GetOrAdd(uid, _ => new PodRuntime(
            uid,
            Path.Combine(_options.DataDirectory, "pods", $"{pod["metadata"]?["namespace"]}_{pod["metadata"]?["name"]}_{uid}"),
            (bool?)pod["spec"]?["hostNetwork"] == true ? hostIp : _addresses.For(uid)));
        runtime.Load(pod);
        // Until this sync gets to its end, the pod is synced again on every pass.
        runtime.SettledVersion = null;
        runtime.QuietUntil = null;
        if (_options.Sandbox && runtime.Proxy is null && runtime.Ip != hostIp)
        {
            runtime.Proxy = new ApiProxy(IPAddress.Parse(runtime.Ip), _apiServer);
        }

        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            Terminate(pod, runtime, hostIp, now);
            return;
        }

        if ((string?)pod["status"]?["phase"] is "Succeeded" or "Failed")
        {
            runtime.Kill();
            runtime.Finished = true;
            runtime.SettledVersion = runtime.IsSettled ? (string?)pod["metadata"]?["resourceVersion"] : null;
            return;
        }

        Directory.CreateDirectory(runtime.Directory);
        var hostsFile = Path.Combine(runtime.Directory, "etc-hosts");
        // Only a process reads /etc/hosts and the volumes. A simulated container has none, and building the file
        // names every pod with a DNS record: for thousands of simulated pods that was most of a pass, for nothing.
        var hasProcess = runtime.All.Any(c => _launcher.ProgramFor((string?)c.Spec["image"]) is not null);
        if (hasProcess)
        {
            var hosts = HostsFile.Build(pod, runtime.Ip, view.Addressed, view.Services, runtime.Proxy is null ? "127.0.0.1" : runtime.Ip);
            if (!File.Exists(hostsFile) || File.ReadAllText(hostsFile) != hosts)
            {
                // Rewritten in place: running containers see the file through a bind mount of this very inode.
                File.WriteAllText(hostsFile, hosts);
            }
        }

        if (hasProcess && runtime.All.Any(c => c.IsRunning))
        {
            _volumes.Refresh(pod, runtime.Directory);
        }

        var policy = (string?)pod["spec"]?["restartPolicy"] ?? "Always";
        var initPending = false;
        foreach (var init in runtime.InitContainers)
        {
            if (init.Run?.ExitCode == 0)
            {
                continue;
            }

            Step(pod, runtime, init, policy == "Never" ? "Never" : "OnFailure", hostIp, hostsFile, now);
            initPending = true;
            break;
        }

        if (!initPending)
        {
            foreach (var container in runtime.Containers)
            {
                Step(pod, runtime, container, policy, hostIp, hostsFile, now);
                Probe(runtime, container, now);
            }
        }

        // Settled is read before the status is built: a start delay that ends in between must not be taken for
        // written. Once settled, only an act (a kill, a deletion) unsettles the pod, and that is seen next pass.
        var settled = runtime.IsSettled;
        var status = PodStatusBuilder.Build(pod, runtime, hostIp, now);
        var version = (string?)pod["metadata"]?["resourceVersion"];
        if (status.ToJsonString() != pod["status"]?.ToJsonString())
        {
            pod["status"] = status;
            version = (string?)Api.UpdateStatus("pods", pod)["metadata"]?["resourceVersion"];
        }

        runtime.SettledVersion = settled ? version : null;
        runtime.QuietUntil = settled ? null : runtime.NextTimedChange();
        runtime.QuietVersion = version;
    }

    // One container's next move: start it, notice its exit and back off, or restart it once the back-off is over.
    private void Step(JsonObject pod, PodRuntime runtime, ContainerState container, string policy, string hostIp, string hostsFile, DateTimeOffset now)
    {
        if (container.Run is { FinishedAt: { } finished } run)
        {
            var restart = policy == "Always" || (policy == "OnFailure" && run.ExitCode != 0);
            if (!restart)
            {
                return;
            }

            if (container.BackoffUntil is null)
            {
                container.BackOff(finished, _options.RestartBackoff, _options.RestartBackoffMax);
                Event(pod, ClusterEvents.Warning, "BackOff", $"Back-off restarting failed container {container.Name} in pod {pod["metadata"]?["name"]}_{pod["metadata"]?["namespace"]}({pod["metadata"]?["uid"]})");
                return;
            }

            if (now < container.BackoffUntil)
            {
                return;
            }
        }
        else if (container.Run is not null)
        {
            return;
        }

        try
        {
            container.Started(_launcher.Start(pod, runtime, container, hostIp, hostsFile), now);
            Event(pod, ClusterEvents.Normal, "Pulled", $"Container image \"{container.Spec["image"]}\" already present on machine");
            Event(pod, ClusterEvents.Normal, "Created", $"Created container: {container.Name}");
            Event(pod, ClusterEvents.Normal, "Started", $"Started container {container.Name}");
        }
        catch (InvalidOperationException e)
        {
            container.StartError = ("CreateContainerConfigError", e.Message);
            Event(pod, ClusterEvents.Warning, "Failed", $"Error: {e.Message}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            container.StartError = ("RunContainerError", e.Message);
            Event(pod, ClusterEvents.Warning, "Failed", $"Error: {e.Message}");
        }
    }

    private void Event(JsonObject pod, string type, string reason, string message) =>
        ClusterEvents.Record(Api, pod, type, reason, message, host: (string?)pod["spec"]?["nodeName"]);

    private void Probe(PodRuntime runtime, ContainerState container, DateTimeOffset now)
    {
        // A simulated container has nothing listening: it passes its probes, as the image would once started.
        if (!container.IsRunning || container.Run is SimulatedContainer)
        {
            return;
        }

        Task<bool> Attempt(ProbeState probe) =>
            ProbeCheck.RunAsync(probe.Probe, container.Spec, runtime.Ip, runtime.Directory, [], CancellationToken.None);

        if (container.Startup is { Passing: false } startup)
        {
            startup.Tick(now, () => Attempt(startup));
            if (startup.Failed)
            {
                container.KillFor("Startup probe failed");
            }

            return;
        }

        if (container.Readiness is { } readiness && readiness.Tick(now, () => Attempt(readiness)))
        {
            Wake();
        }

        if (container.Liveness is { } liveness)
        {
            liveness.Tick(now, () => Attempt(liveness));
            if (liveness.Failed)
            {
                container.KillFor("Liveness probe failed");
            }
        }
    }

    // SIGTERM first; SIGKILL when the grace period is over. Once nothing runs, the status records the terminal phase
    // (Succeeded when every container exited 0, else Failed), as the kubelet does since 1.27, before the object goes:
    // whoever holds a finalizer on the pod reads how it ended.
    private void Terminate(JsonObject pod, PodRuntime runtime, string hostIp, DateTimeOffset now)
    {
        if (runtime.TerminationStarted is null)
        {
            runtime.TerminationStarted = now;
            runtime.Terminate();
            foreach (var container in runtime.Containers.Where(c => c.IsRunning))
            {
                Event(pod, ClusterEvents.Normal, "Killing", $"Stopping container {container.Name}");
            }
        }

        var grace = TimeSpan.FromSeconds((long?)pod["metadata"]?["deletionGracePeriodSeconds"] ?? 30);
        if (!runtime.AllStopped)
        {
            if (now - runtime.TerminationStarted < grace)
            {
                return;
            }

            runtime.Kill();
            if (!runtime.AllStopped)
            {
                // Reaped on a later pass.
                return;
            }
        }

        var status = PodStatusBuilder.Build(pod, runtime, hostIp, now);
        status["phase"] = runtime.Containers.All(c => c.Run?.ExitCode == 0) ? "Succeeded" : "Failed";
        if (status.ToJsonString() != pod["status"]?.ToJsonString())
        {
            pod["status"] = status;
            Api.UpdateStatus("pods", pod);
        }

        Api.DeleteExact("pods", pod, gracePeriodSeconds: 0);
    }
}
