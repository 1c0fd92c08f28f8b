using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>One of a job's directories (data or checkpoints) as a pod volume and mount; a 3FS one also names its cluster.</summary>
/// <param name="VolumeName">data or checkpoints.</param>
/// <param name="Volume">The pod volume.</param>
/// <param name="Mount">The container's mount of it.</param>
/// <param name="ThreeFSCluster">The ThreeFSCluster it lives on, when it does.</param>
internal sealed record TrainingStorage(string VolumeName, JsonObject Volume, JsonObject Mount, string? ThreeFSCluster)
{
    /// <summary>
    /// The volume for a location: a 3FS directory is the cluster's FUSE mount on the node (clients.mountPath plus the
    /// path; <paramref name="clients"/> from the cluster, or the defaults when it is not known yet), a claim is mounted
    /// at its path, a host path as it is. Data is mounted read-only; checkpoints are created when missing.
    /// </summary>
    public static TrainingStorage? For(string volumeName, string mountPath, ThreeFSLocation? threeFS, PvcLocation? claim, HostPathLocation? hostPath, bool readOnly, ClientsSpec? clients)
    {
        JsonObject mount = new() { ["name"] = volumeName, ["mountPath"] = mountPath, ["readOnly"] = readOnly };
        if (threeFS is not null)
        {
            var root = (clients ?? new ClientsSpec()).MountPath.TrimEnd('/');
            var inside = threeFS.Path.Trim('/');
            mount["mountPropagation"] = "HostToContainer";
            return new(volumeName, HostPath(volumeName, inside.Length == 0 ? root : $"{root}/{inside}", "DirectoryOrCreate"), mount, threeFS.ClusterRef);
        }

        if (claim is not null)
        {
            if (claim.Path.Trim('/') is { Length: > 0 } sub)
            {
                mount["subPath"] = sub;
            }

            return new(volumeName, new JsonObject { ["name"] = volumeName, ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = claim.ClaimName, ["readOnly"] = readOnly } }, mount, null);
        }

        return hostPath is null ? null : new(volumeName, HostPath(volumeName, hostPath.Path, readOnly ? "Directory" : "DirectoryOrCreate"), mount, null);
    }

    public static TrainingStorage? Data(DataSpec data, ClientsSpec? clients)
    {
        ArgumentNullException.ThrowIfNull(data);
        return For("data", TrainingJobNames.DataMount, data.ThreeFS, data.PersistentVolumeClaim, data.HostPath, readOnly: true, clients);
    }

    public static TrainingStorage? Checkpoints(CheckpointSpec? checkpoint, ClientsSpec? clients) =>
        checkpoint is null ? null : For("checkpoints", TrainingJobNames.CheckpointMount, checkpoint.ThreeFS, checkpoint.PersistentVolumeClaim, checkpoint.HostPath, readOnly: false, clients);

    private static JsonObject HostPath(string name, string path, string type) =>
        new() { ["name"] = name, ["hostPath"] = new JsonObject { ["path"] = path, ["type"] = type } };
}
