using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// The volumes 3FS containers share: one projected volume at <see cref="ThreeFSPaths.ConfigDirectory"/> that lays
/// out a program's TOML files (its app file chosen by node id) beside the files mounted from Secrets, so the
/// configs name plain paths and no secret value ever enters a ConfigMap or an environment variable.
/// </summary>
internal static class ThreeFSVolumes
{
    public const string Config = "config";
    public const string Logs = "logs";

    /// <summary>The Secret and key holding the FoundationDB cluster file: the user's (external) or the operator's (managed).</summary>
    public static (string Name, string Key) ClusterFileSecret(string cluster, ThreeFSClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.FoundationDB.External is { } external
            ? (external.ClusterFileSecret.Name, external.ClusterFileSecret.Key)
            : (ThreeFSNames.ManagedClusterFileSecret(cluster), ThreeFSNames.ClusterFileKey);
    }

    /// <summary>The config directory of <paramref name="component"/>: its shared files, its app file for <paramref name="nodeId"/>, and the secrets it needs.</summary>
    public static JsonObject ConfigVolume(string cluster, ThreeFSClusterSpec spec, ThreeFSComponent component, int? nodeId, bool clusterFile, bool token)
    {
        var items = new JsonArray();
        foreach (var file in SharedFileNames(component))
        {
            items.Add(new JsonObject { ["key"] = file, ["path"] = file });
        }

        if (nodeId is { } id)
        {
            items.Add(new JsonObject { ["key"] = ThreeFSConfigBuilder.AppKey(component, id), ["path"] = ThreeFSConfigBuilder.AppFileName(component) });
        }

        var sources = new JsonArray(new JsonObject { ["configMap"] = new JsonObject { ["name"] = ThreeFSNames.ConfigMap(cluster, component), ["items"] = items } });
        if (clusterFile)
        {
            var (name, key) = ClusterFileSecret(cluster, spec);
            sources.Add(SecretFile(name, key, Path.GetFileName(ThreeFSPaths.FdbClusterFile)));
        }

        if (token)
        {
            sources.Add(SecretFile(ThreeFSNames.TokenSecret(cluster), ThreeFSNames.TokenKey, Path.GetFileName(ThreeFSPaths.TokenFile)));
        }

        // Mode 0640: the token and the cluster file are for the daemon, not for other users of the node.
        return new JsonObject { ["name"] = Config, ["projected"] = new JsonObject { ["sources"] = sources, ["defaultMode"] = 416 } };
    }

    public static JsonObject ConfigMount() => new() { ["name"] = Config, ["mountPath"] = ThreeFSPaths.ConfigDirectory, ["readOnly"] = true };

    public static JsonObject LogVolume() => new() { ["name"] = Logs, ["emptyDir"] = new JsonObject() };

    public static JsonObject LogMount() => new() { ["name"] = Logs, ["mountPath"] = ThreeFSPaths.LogDirectory };

    /// <summary>The names of a program's shared files, as <see cref="ThreeFSConfigBuilder.SharedFiles"/> produces them.</summary>
    public static IEnumerable<string> SharedFileNames(ThreeFSComponent component)
    {
        var program = ThreeFSConfigBuilder.Program(component);
        return component == ThreeFSComponent.AdminCli ? ["admin_cli.toml"] : [$"{program}_launcher.toml", $"{program}.toml"];
    }

    private static JsonObject SecretFile(string secret, string key, string path) => new()
    {
        ["secret"] = new JsonObject { ["name"] = secret, ["items"] = new JsonArray(new JsonObject { ["key"] = key, ["path"] = path }) },
    };
}
