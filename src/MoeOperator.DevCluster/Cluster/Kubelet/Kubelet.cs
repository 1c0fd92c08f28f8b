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

    public Kubelet(ClusterApi api, KubeletOptions options, NodeAgent nodes, ServiceAccountFiles serviceAccount, IPEndPoint apiServer)
        : base(api, options.SyncPeriod, "pods", "services", "configmaps", "secrets", "nodes")
    {
        _options = options;
        _nodes = nodes;
        _apiServer = apiServer;
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

    protected override void Pass()
    {
        var now = Api.Clock.GetUtcNow();
        var nodes = Api.List("nodes").ToDictionary(ClusterApi.Name, StringComparer.Ordinal);
        // In creation order: the kubelet admits pods in the order they came, so a later pod is the one refused.
        var pods = Api.List("pods")
            .OrderBy(p => (string?)p["metadata"]?["creationTimestamp"], StringComparer.Ordinal)
            .ThenBy(p => (string?)p["metadata"]?["name"], StringComparer.Ordinal)
            .ToList();
        var services = Api.List("services");
        var live = new HashSet<string>(StringComparer.Ordinal);
        var podsByNode = pods.ToLookup(p => (string?)p["spec"]?["nodeName"], StringComparer.Ordinal);
        var addressed = pods
            .Where(p => (string?)p["spec"]?["nodeName"] is { Length: > 0 })
            .Select(p => (Pod: p, Ip: _pods.TryGetValue(Uid(p), out var r) ? r.Ip : null))
            .Where(p => p.Ip is not null)
            .Select(p => (p.Pod, p.Ip!))
            .ToList();
        foreach (var pod in pods)
        {
            var node = (string?)pod["spec"]?["nodeName"];
            if (node is null || !nodes.TryGetValue(node, out var nodeObject))
            {
                continue;
            }

            var uid = Uid(pod);
            if (_nodes.IsDown(node))
            {
                // The machine is gone: so are its processes. Its pods' status is the node lifecycle's to write.
                if (_pods.TryRemove(uid, out var lost))
                {
                    lost.Dispose();
                }

                continue;
            }

            live.Add(uid);
            // One pod's trouble must not stall the others (nor the clean-up below); it is retried next pass.
            ForObject(pod, "pod", () => SyncPod(pod, nodeObject, addressed, services, podsByNode, now));
        }

        foreach (var (uid, runtime) in _pods)
        {
            if (!live.Contains(uid) && _pods.TryRemove(uid, out _))
            {
                runtime.Dispose();
                _addresses.Release(uid);
            }
        }
    }

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

    private void SyncPod(JsonObject pod, JsonObject node, List<(JsonObject Pod, string Ip)> addressed, List<JsonObject> services, ILookup<string?, JsonObject> podsByNode, DateTimeOffset now)
    {
        var uid = Uid(pod);
        if (!_pods.ContainsKey(uid) && pod["metadata"]?["deletionTimestamp"] is null && (string?)pod["status"]?["phase"] is not ("Succeeded" or "Failed"))
        {
            // Admission: the pods this kubelet already runs on the node, and this one, must fit.
            var admitted = podsByNode[ClusterApi.Name(node)].Where(p => _pods.ContainsKey(Uid(p)) && p["metadata"]?["deletionTimestamp"] is null);
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
            return;
        }

        Directory.CreateDirectory(runtime.Directory);
        var hostsFile = Path.Combine(runtime.Directory, "etc-hosts");
        // Only a process reads /etc/hosts. A simulated container has none, and building the file names every pod
        // with a DNS record: for thousands of simulated pods that was most of a pass, for nothing.
        if (runtime.All.Any(c => _launcher.ProgramFor((string?)c.Spec["image"]) is not null))
        {
            var hosts = HostsFile.Build(pod, runtime.Ip, addressed, services, runtime.Proxy is null ? "127.0.0.1" : runtime.Ip);
            if (!File.Exists(hostsFile) || File.ReadAllText(hostsFile) != hosts)
            {
                // Rewritten in place: running containers see the file through a bind mount of this very inode.
                File.WriteAllText(hostsFile, hosts);
            }
        }

        if (runtime.All.Any(c => c.IsRunning))
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

        var status = PodStatusBuilder.Build(pod, runtime, hostIp, now);
        if (status.ToJsonString() != pod["status"]?.ToJsonString())
        {
            pod["status"] = status;
            Api.UpdateStatus("pods", pod);
        }
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
