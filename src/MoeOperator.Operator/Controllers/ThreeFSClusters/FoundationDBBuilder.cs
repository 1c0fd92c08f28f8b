using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// A FoundationDB the operator runs when spec.foundationDB.managed is set: a StatefulSet of the official server
/// image (its version is the spec's, so client and server match by construction) with a volume per process, behind
/// a headless Service. The cluster file names the first process as coordinator; the operator writes it to a Secret
/// once that process has an address.
/// </summary>
internal static class FoundationDBBuilder
{
    public const int Port = 4500;

    public static string Name(string cluster) => $"{cluster}-fdb";

    public static string Image(ThreeFSClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.FoundationDB.Managed?.Image ?? $"foundationdb/foundationdb:{spec.FoundationDB.Version}";
    }

    public static JsonObject Service(JsonObject cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var name = Name((string)cluster["metadata"]!["name"]!);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = ChildObjects.Metadata(cluster, ThreeFSCluster.KindName, ThreeFSNames.ClusterLabel, name, new JsonObject { [ThreeFSNames.ComponentLabel] = "fdb" }),
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "None",
                ["publishNotReadyAddresses"] = true,
                ["selector"] = Selector(cluster),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "fdb", ["port"] = Port }),
            },
        };
    }

    public static JsonObject StatefulSet(JsonObject cluster, ThreeFSClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(spec);
        var managed = spec.FoundationDB.Managed ?? throw new ArgumentException("spec.foundationDB.managed is not set", nameof(spec));
        var name = Name((string)cluster["metadata"]!["name"]!);
        var claim = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "data" },
            ["spec"] = new JsonObject
            {
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = managed.Storage.ToString() } },
            },
        };
        if (managed.StorageClassName is { } storageClass)
        {
            claim["spec"]!["storageClassName"] = storageClass;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "StatefulSet",
            ["metadata"] = ChildObjects.Metadata(cluster, ThreeFSCluster.KindName, ThreeFSNames.ClusterLabel, name, new JsonObject { [ThreeFSNames.ComponentLabel] = "fdb" }),
            ["spec"] = new JsonObject
            {
                ["serviceName"] = name,
                ["replicas"] = managed.Replicas,
                ["podManagementPolicy"] = "Parallel",
                ["selector"] = new JsonObject { ["matchLabels"] = Selector(cluster) },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = Selector(cluster) },
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "fdb",
                            ["image"] = Image(spec),
                            ["env"] = new JsonArray(
                                new JsonObject { ["name"] = "FDB_NETWORKING_MODE", ["value"] = "container" },
                                new JsonObject { ["name"] = "FDB_COORDINATOR", ["value"] = $"{name}-0.{name}" }),
                            ["ports"] = new JsonArray(new JsonObject { ["name"] = "fdb", ["containerPort"] = Port }),
                            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "data", ["mountPath"] = "/var/fdb/data" }),
                            ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false },
                        }),
                    },
                },
                ["volumeClaimTemplates"] = new JsonArray(claim),
            },
        };
    }

    /// <summary>The cluster file naming <paramref name="coordinator"/>: description:id@address:port.</summary>
    public static string ClusterFile(string clusterId, string id, string coordinator) =>
        string.Create(CultureInfo.InvariantCulture, $"{string.Concat(clusterId.Select(c => char.IsLetterOrDigit(c) ? c : '_'))}:{id}@{coordinator}:{Port}\n");

    private static JsonObject Selector(JsonObject cluster) => new()
    {
        [ThreeFSNames.ClusterLabel] = (string)cluster["metadata"]!["name"]!,
        [ThreeFSNames.ComponentLabel] = "fdb",
    };
}
