using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Pure builders of the 3FS daemons' workloads, each with only the privileges its program needs:
/// <list type="bullet">
/// <item>mgmtd, meta and storage run as one pod per instance, pinned to a node the operator chose and named by the
/// instance's 3FS node id. A StatefulSet cannot do this: node ids and IPv4 addresses must stay with their nodes,
/// and a storage restart must wait until every chain serves again, which only the operator can see.</item>
/// <item>They use the host network (spec.network.hostNetwork) so their addresses are the nodes' stable IPs, one
/// RDMA device (the device plugin provides /dev/infiniband), and IPC_LOCK to pin RDMA buffers.</item>
/// <item>Storage adds its disks as hostPath volumes and an init container, the one privileged container of the
/// daemon, that raises fs.aio-max-nr (a sysctl no pod may set through securityContext because it is not
/// namespaced).</item>
/// <item>FUSE clients run as a DaemonSet on client nodes: privileged, because Kubernetes allows Bidirectional mount
/// propagation (the FUSE mount must reach the node and its other pods) only in privileged containers, with
/// /dev/fuse and the mount point from the host.</item>
/// </list>
/// </summary>
internal static class ThreeFSPodBuilder
{
    /// <summary>fs.aio-max-nr the storage daemon needs (upstream's deploy guide).</summary>
    public const string AioMaxNr = "67108864";

    public static JsonObject Metadata(JsonObject cluster, string name, ThreeFSComponent component, int? nodeId = null)
    {
        var labels = new JsonObject { [ThreeFSNames.ComponentLabel] = ThreeFSNames.Component(component) };
        if (nodeId is { } id)
        {
            labels[ThreeFSNames.NodeIdLabel] = id.ToString(CultureInfo.InvariantCulture);
        }

        return ChildObjects.Metadata(cluster, ThreeFSCluster.KindName, ThreeFSNames.ClusterLabel, name, labels);
    }

    /// <summary>The ConfigMap of one program's files (shared ones and every instance's app file).</summary>
    public static JsonObject ConfigMap(JsonObject cluster, ThreeFSComponent component, ThreeFSConfigInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var name = (string)cluster["metadata"]!["name"]!;
        var data = new JsonObject();
        foreach (var (key, text) in ThreeFSConfigBuilder.ConfigMapData(component, inputs))
        {
            data[key] = text;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = Metadata(cluster, ThreeFSNames.ConfigMap(name, component), component),
            ["data"] = data,
        };
    }

    /// <summary>The pod of one mgmtd, meta or storage instance with 3FS node id <paramref name="nodeId"/>, pinned to <paramref name="node"/>.</summary>
    public static JsonObject ServerPod(JsonObject cluster, ThreeFSClusterSpec spec, ThreeFSComponent component, int nodeId, string node)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(spec);
        if (component is not (ThreeFSComponent.Mgmtd or ThreeFSComponent.Meta or ThreeFSComponent.Storage))
        {
            throw new ArgumentOutOfRangeException(nameof(component), component, "only mgmtd, meta and storage run as server pods");
        }

        var name = (string)cluster["metadata"]!["name"]!;
        var program = ThreeFSConfigBuilder.Program(component);
        var ports = spec.Network.Ports;
        var (tcpPort, resources, tolerations) = component switch
        {
            ThreeFSComponent.Mgmtd => (ports.MgmtdTcp, spec.Mgmtd.Resources, spec.Mgmtd.Tolerations),
            ThreeFSComponent.Meta => (ports.MetaTcp, spec.Meta.Resources, spec.Meta.Tolerations),
            _ => (ports.StorageTcp, spec.Storage.Resources, spec.Storage.Tolerations),
        };
        var mounts = new JsonArray(ThreeFSVolumes.ConfigMount(), ThreeFSVolumes.LogMount());
        // mgmtd and meta keep their state in FoundationDB; storage reaches it only through mgmtd.
        var volumes = new JsonArray(
            ThreeFSVolumes.ConfigVolume(name, spec, component, nodeId, clusterFile: component != ThreeFSComponent.Storage, token: false),
            ThreeFSVolumes.LogVolume());
        if (component == ThreeFSComponent.Storage)
        {
            for (var disk = 0; disk < spec.Storage.DiskPaths.Count; disk++)
            {
                var volume = $"disk-{disk.ToString(CultureInfo.InvariantCulture)}";
                // Directory, not DirectoryOrCreate: an unmounted disk must stop the pod rather than fill the root disk.
                volumes.Add(new JsonObject { ["name"] = volume, ["hostPath"] = new JsonObject { ["path"] = spec.Storage.DiskPaths[disk], ["type"] = "Directory" } });
                mounts.Add(new JsonObject { ["name"] = volume, ["mountPath"] = spec.Storage.DiskPaths[disk] });
            }
        }

        var probe = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = tcpPort }, ["periodSeconds"] = 5 };
        var container = new JsonObject
        {
            ["name"] = ThreeFSNames.Component(component),
            ["image"] = spec.Image,
            ["command"] = new JsonArray(
                $"/opt/3fs/bin/{program}",
                "--launcher_cfg", $"{ThreeFSPaths.ConfigDirectory}/{program}_launcher.toml",
                "--app-cfg", $"{ThreeFSPaths.ConfigDirectory}/{ThreeFSConfigBuilder.AppFileName(component)}"),
            // 3FS tags its metrics with the node's name.
            ["env"] = new JsonArray(new JsonObject { ["name"] = "NODE_NAME", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "spec.nodeName" } } }),
            ["resources"] = ChildObjects.Resources(resources, new Dictionary<string, string> { [spec.Network.RdmaResourceName] = "1" }),
            ["readinessProbe"] = probe,
            ["livenessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = tcpPort }, ["periodSeconds"] = 10, ["failureThreshold"] = 6 },
            ["volumeMounts"] = mounts,
            ["securityContext"] = new JsonObject
            {
                ["allowPrivilegeEscalation"] = false,
                ["capabilities"] = new JsonObject { ["add"] = new JsonArray("IPC_LOCK") },
            },
        };
        var podSpec = new JsonObject
        {
            ["hostNetwork"] = spec.Network.HostNetwork,
            ["dnsPolicy"] = spec.Network.HostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
            ["restartPolicy"] = "Always",
            // Storage finishes in-flight writes before it goes, so its chains need not resync them.
            ["terminationGracePeriodSeconds"] = component == ThreeFSComponent.Storage ? 120 : 30,
            ["affinity"] = ChildObjects.PinnedAffinity(node),
            ["containers"] = new JsonArray(container),
            ["volumes"] = volumes,
        };
        if (component == ThreeFSComponent.Storage)
        {
            podSpec["initContainers"] = new JsonArray(new JsonObject
            {
                ["name"] = "aio-max-nr",
                ["image"] = spec.Image,
                ["command"] = new JsonArray("sysctl", "-w", $"fs.aio-max-nr={AioMaxNr}"),
                ["securityContext"] = new JsonObject { ["privileged"] = true },
            });
        }

        if (tolerations is { Count: > 0 })
        {
            podSpec["tolerations"] = ChildObjects.Tolerations(tolerations);
        }

        var metadata = Metadata(cluster, ThreeFSNames.ServerPod(name, component, nodeId), component, nodeId);
        metadata["annotations"] = new JsonObject { [ThreeFSNames.RevisionAnnotation] = DaemonRevision(spec, component) };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = podSpec,
        };
    }

    /// <summary>
    /// What a daemon of <paramref name="component"/> runs with that a rolling restart replaces it for, as a short hash:
    /// the image, the component's resources, and for storage the io_uring switch of its config. Node ids, addresses
    /// and the chain table are not in it: they never change under a running daemon, or (scale-out) reach it otherwise.
    /// </summary>
    public static string DaemonRevision(ThreeFSClusterSpec spec, ThreeFSComponent component)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var resources = component switch
        {
            ThreeFSComponent.Mgmtd => spec.Mgmtd.Resources,
            ThreeFSComponent.Meta => spec.Meta.Resources,
            _ => spec.Storage.Resources,
        };
        var inputs = new JsonObject
        {
            ["image"] = spec.Image,
            ["resources"] = JsonSerializer.SerializeToNode(resources, ApiJson.Options),
            ["enableIoUring"] = component == ThreeFSComponent.Storage ? spec.Storage.EnableIoUring : null,
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(inputs.ToJsonString())))[..12];
    }

    /// <summary>The FUSE clients: one per client node, mounting the file system at spec.clients.mountPath on the host.</summary>
    public static JsonObject FuseDaemonSet(JsonObject cluster, ThreeFSClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(spec);
        var name = (string)cluster["metadata"]!["name"]!;
        var program = ThreeFSConfigBuilder.Program(ThreeFSComponent.Fuse);
        var mountPath = spec.Clients.MountPath;
        var selector = new JsonObject { [ThreeFSNames.ClusterLabel] = name, [ThreeFSNames.ComponentLabel] = ThreeFSNames.Component(ThreeFSComponent.Fuse) };
        var container = new JsonObject
        {
            ["name"] = "fuse",
            ["image"] = spec.Image,
            ["command"] = new JsonArray($"/opt/3fs/bin/{program}", "--launcher_cfg", $"{ThreeFSPaths.ConfigDirectory}/{program}_launcher.toml"),
            ["env"] = new JsonArray(new JsonObject { ["name"] = "NODE_NAME", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "spec.nodeName" } } }),
            ["resources"] = ChildObjects.Resources(spec.Clients.Resources, new Dictionary<string, string> { [spec.Network.RdmaResourceName] = "1" }),
            ["volumeMounts"] = new JsonArray(
                ThreeFSVolumes.ConfigMount(),
                ThreeFSVolumes.LogMount(),
                new JsonObject { ["name"] = "dev-fuse", ["mountPath"] = "/dev/fuse" },
                new JsonObject { ["name"] = "mount", ["mountPath"] = mountPath, ["mountPropagation"] = "Bidirectional" }),
            // A mount left behind by a dead client hangs every reader on the node: unmount on the way out.
            ["lifecycle"] = new JsonObject
            {
                ["preStop"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = new JsonArray("/bin/sh", "-c", $"umount -l {mountPath} || true") } },
            },
            ["securityContext"] = new JsonObject
            {
                // Bidirectional propagation is only allowed in privileged containers; SYS_ADMIN is what mounting needs.
                ["privileged"] = true,
                ["capabilities"] = new JsonObject { ["add"] = new JsonArray("SYS_ADMIN", "IPC_LOCK") },
            },
        };
        var podSpec = new JsonObject
        {
            ["hostNetwork"] = spec.Network.HostNetwork,
            ["dnsPolicy"] = spec.Network.HostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
            ["containers"] = new JsonArray(container),
            ["volumes"] = new JsonArray(
                ThreeFSVolumes.ConfigVolume(name, spec, ThreeFSComponent.Fuse, nodeId: null, clusterFile: false, token: true),
                ThreeFSVolumes.LogVolume(),
                new JsonObject { ["name"] = "dev-fuse", ["hostPath"] = new JsonObject { ["path"] = "/dev/fuse", ["type"] = "CharDevice" } },
                new JsonObject { ["name"] = "mount", ["hostPath"] = new JsonObject { ["path"] = mountPath, ["type"] = "DirectoryOrCreate" } }),
        };
        if (spec.Clients.NodeSelector is { Count: > 0 } nodeSelector)
        {
            podSpec["nodeSelector"] = ChildObjects.Labels(nodeSelector);
        }

        if (spec.Clients.Tolerations is { Count: > 0 } tolerations)
        {
            podSpec["tolerations"] = ChildObjects.Tolerations(tolerations);
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "DaemonSet",
            ["metadata"] = Metadata(cluster, ThreeFSNames.FuseDaemonSet(name), ThreeFSComponent.Fuse),
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = selector },
                // One node's mount at a time: jobs on the other nodes keep reading during an upgrade.
                ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 1 } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = selector.DeepClone() },
                    ["spec"] = podSpec,
                },
            },
        };
    }
}
