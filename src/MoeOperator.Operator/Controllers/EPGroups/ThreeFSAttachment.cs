using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// An EPGroup's view of the 3FS file system it names in spec.threeFS: the directory on the node where that
/// cluster's FUSE client mounts it (clients.mountPath plus spec.threeFS.path), the labels of the nodes that run a
/// client (the group is placed only there), and how the containers see it.
/// </summary>
internal sealed record ThreeFSAttachment(string HostPath, IReadOnlyDictionary<string, string> ClientNodes, string MountPath, bool ReadOnly)
{
    public const string VolumeName = "threefs";

    public static ThreeFSAttachment For(ThreeFSMount mount, ClientsSpec clients)
    {
        ArgumentNullException.ThrowIfNull(mount);
        ArgumentNullException.ThrowIfNull(clients);
        var root = clients.MountPath.TrimEnd('/');
        var inside = mount.Path.Trim('/');
        return new(inside.Length == 0 ? clients.MountPath : $"{root}/{inside}", clients.NodeSelector ?? [], mount.MountPath, mount.ReadOnly);
    }

    /// <summary>
    /// Why a group naming <paramref name="mount"/> cannot start yet, given the ThreeFSCluster found (or null), or null
    /// when the cluster is Ready (or Degraded: every chain still serves reads and writes) with FUSE clients enabled.
    /// </summary>
    public static string? Waiting(ThreeFSMount mount, JsonObject? cluster)
    {
        ArgumentNullException.ThrowIfNull(mount);
        if (cluster is null)
        {
            return $"waiting for ThreeFSCluster {mount.ClusterRef} (spec.threeFS.clusterRef): it does not exist in this namespace";
        }

        var spec = cluster["spec"].Deserialize<ThreeFSClusterSpec>(ApiJson.Options)!;
        if (!spec.Clients.Enabled)
        {
            return $"ThreeFSCluster {mount.ClusterRef} runs no FUSE clients (its spec.clients.enabled is false), so no node mounts it; enable them there";
        }

        var phase = (string?)cluster["status"]?["phase"];
        return phase is nameof(ThreeFSClusterPhase.Ready) or nameof(ThreeFSClusterPhase.Degraded) or nameof(ThreeFSClusterPhase.Upgrading)
            ? null
            : $"waiting for ThreeFSCluster {mount.ClusterRef} (spec.threeFS.clusterRef) to be Ready; it is {phase ?? "not yet reconciled"}";
    }

    /// <summary>Why the group's own node selector rules out every node with a FUSE client, or null.</summary>
    public string? Conflict(EPGroupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var own = spec.Placement.NodeSelector ?? [];
        return ClientNodes.Where(c => own.TryGetValue(c.Key, out var value) && value != c.Value).Select(c =>
                $"spec.placement.nodeSelector {c.Key}={own[c.Key]} excludes every node with a FUSE client of the 3FS cluster (its spec.clients.nodeSelector has {c.Key}={c.Value})")
            .FirstOrDefault();
    }

    /// <summary>The cluster's FUSE client settings, as the cluster spells them.</summary>
    public static ClientsSpec Clients(JsonObject cluster) =>
        cluster?["spec"].Deserialize<ThreeFSClusterSpec>(ApiJson.Options)?.Clients ?? new ClientsSpec();

    // The node's FUSE mount, with HostToContainer propagation so that a client that remounts is seen by running pods.
    public JsonObject Volume() => new() { ["name"] = VolumeName, ["hostPath"] = new JsonObject { ["path"] = HostPath, ["type"] = "Directory" } };

    public JsonObject VolumeMount() => new() { ["name"] = VolumeName, ["mountPath"] = MountPath, ["readOnly"] = ReadOnly, ["mountPropagation"] = "HostToContainer" };
}
