using System.Globalization;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>The deterministic names and labels of a 3FS cluster's children.</summary>
internal static class ThreeFSNames
{
    public const string ClusterLabel = "moe.dev/threefscluster";
    public const string ComponentLabel = "moe.dev/component";
    public const string NodeIdLabel = "moe.dev/3fs-node-id";

    /// <summary>On each daemon pod: <see cref="ThreeFSPodBuilder.DaemonRevision"/> of the spec it was created from.</summary>
    public const string RevisionAnnotation = "moe.dev/daemon-revision";

    /// <summary>The key of the admin token in its Secret.</summary>
    public const string TokenKey = "token";

    /// <summary>The key of the cluster file in the Secret of a managed FoundationDB.</summary>
    public const string ClusterFileKey = "fdb.cluster";

    public static string Component(ThreeFSComponent component) => component switch
    {
        ThreeFSComponent.AdminCli => "admin",
        _ => component.ToString().ToLowerInvariant(),
    };

    /// <summary>The ConfigMap of one program's files.</summary>
    public static string ConfigMap(string cluster, ThreeFSComponent component) => $"{cluster}-{Component(component)}-config";

    /// <summary>The pod of one mgmtd, meta or storage instance, named by its 3FS node id (stable for the cluster's life).</summary>
    public static string ServerPod(string cluster, ThreeFSComponent component, int nodeId) =>
        $"{cluster}-{Component(component)}-{nodeId.ToString(CultureInfo.InvariantCulture)}";

    public static string FuseDaemonSet(string cluster) => $"{cluster}-fuse";

    /// <summary>The ConfigMap holding a storage scale-out's plan (admin_cli command files and the table it ends in).</summary>
    public static string ChainMigration(string cluster) => $"{cluster}-chain-migration";

    /// <summary>The ConfigMap holding the chain table's files.</summary>
    public static string ChainTable(string cluster) => $"{cluster}-chain-table";

    /// <summary>The Secret holding the admin token (created before the root user, so the token never passes through a log).</summary>
    public static string TokenSecret(string cluster) => $"{cluster}-admin-token";

    /// <summary>The Secret holding the cluster file of a managed FoundationDB.</summary>
    public static string ManagedClusterFileSecret(string cluster) => $"{cluster}-fdb-cluster-file";
}
