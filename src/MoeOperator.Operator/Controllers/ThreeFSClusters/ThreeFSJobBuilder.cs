using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Pure builders of the admin Jobs: each runs admin_cli from the 3FS image, with admin_cli.toml, the FoundationDB
/// cluster file and the token from their Secrets, plus the files its step reads (a program's main config for
/// init-cluster and set-config, the chain table for create-target and the uploads). The token reaches admin_cli
/// through an environment variable from the Secret and never appears in an object or a log.
/// </summary>
internal static class ThreeFSJobBuilder
{
    public const string StepLabel = "moe.dev/3fs-step";
    public const string ChainTableDirectory = "/opt/3fs/chain-table";
    public const string TokenVariable = "ADMIN_TOKEN";

    /// <summary>admin_cli with the cluster's config and the admin token, ready for a command.</summary>
    public const string AdminCli = "/opt/3fs/bin/admin_cli --cfg /opt/3fs/etc/admin_cli.toml --config.user_info.token \"$ADMIN_TOKEN\"";

    /// <summary>A marker line before each table the probe prints, so the tables can be told apart.</summary>
    public const string ProbeMarker = "### ";

    /// <summary>What the init-cluster step prints when FoundationDB already holds this cluster (retained data).</summary>
    public const string AdoptedMarker = ProbeMarker + "adopted";

    /// <summary>The Job that reads the targets and chains an adopted cluster's FoundationDB holds.</summary>
    public const string VerifyChainTableStep = "verify-chain-table";

    public static string JobName(string cluster, string step) => $"{cluster}-{step}";

    /// <summary>The shell script of a bootstrap step.</summary>
    public static string Script(ThreeFSBootstrapStep step, ThreeFSClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return step switch
        {
            // The client library the image's programs load; fdbcli is built from the same release.
            ThreeFSBootstrapStep.CheckFoundationDB => "PATH=/opt/3fs/bin:$PATH; exec fdbcli --version",
            // init-cluster writes once per FoundationDB and refuses a second time: a database that already holds this
            // cluster (created again over data kept by deletionPolicy Retain) is adopted, not an error. Another
            // cluster id in that database fails (ClusterIdMismatch), as it must.
            ThreeFSBootstrapStep.InitCluster =>
                $"if out=$({AdminCli} \"init-cluster --mgmtd /opt/3fs/etc/mgmtd_main.toml 1 {Text(spec.Storage.ChunkSize)} {Text(spec.Storage.StripeSize)}\" 2>&1); then echo \"$out\"; exit 0; fi; " +
                $"echo \"$out\"; case \"$out\" in *ClusterAlreadyInitialized*) echo '{AdoptedMarker}'; exit 0;; esac; exit 1",
            ThreeFSBootstrapStep.SetConfigMeta => $"exec {AdminCli} \"set-config --type META --file /opt/3fs/etc/meta_main.toml\"",
            ThreeFSBootstrapStep.SetConfigStorage => $"exec {AdminCli} \"set-config --type STORAGE --file /opt/3fs/etc/storage_main.toml\"",
            ThreeFSBootstrapStep.SetConfigFuse => $"exec {AdminCli} \"set-config --type FUSE --file /opt/3fs/etc/hf3fs_fuse_main.toml\"",
            // The root user gets the operator's token (upstream prints a new one otherwise); its output names the
            // token, so only errors are shown.
            ThreeFSBootstrapStep.RootUser => $"if out=$({AdminCli} \"user-add --root --admin --token $ADMIN_TOKEN 0 root\" 2>&1); then echo 'root user ready'; else echo \"$out\" | grep -v Token; exit 1; fi",
            ThreeFSBootstrapStep.CreateTargets => $"exec {AdminCli} < {ChainTableDirectory}/create_target_cmd.txt",
            ThreeFSBootstrapStep.UploadChains => $"exec {AdminCli} \"upload-chains {ChainTableDirectory}/generated_chains.csv\"",
            ThreeFSBootstrapStep.UploadChainTable => $"exec {AdminCli} \"upload-chain-table --desc {spec.ClusterId} 1 {ChainTableDirectory}/generated_chain_table.csv\"",
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "not a Job step"),
        };
    }

    /// <summary>The targets and chains FoundationDB holds, each table after a marker line.</summary>
    public static string VerifyChainTableScript() =>
        $"echo '{ProbeMarker}list-targets'; {AdminCli} list-targets || exit 1; echo '{ProbeMarker}list-chains'; exec {AdminCli} list-chains";

    /// <summary>The probe: list-chains after a marker line (one admin_cli run; status needs only the chains).</summary>
    public static string ProbeScript() =>
        $"echo '{ProbeMarker}list-chains'; exec {AdminCli} list-chains";

    /// <summary>The Job of one admin step; <paramref name="keep"/> leaves it as a record (init-cluster), otherwise it goes an hour after it finished.</summary>
    public static JsonObject Job(JsonObject cluster, ThreeFSClusterSpec spec, string step, string script, ThreeFSComponent? mainConfigOf, bool chainTable, bool keep) =>
        Job(cluster, spec, step, script, mainConfigOf, chainTable ? (ThreeFSNames.ChainTable((string)cluster["metadata"]!["name"]!), ChainTableDirectory) : null, keep);

    /// <summary>An admin Job that also mounts the ConfigMap <paramref name="files"/> names at its path.</summary>
    public static JsonObject Job(JsonObject cluster, ThreeFSClusterSpec spec, string step, string script, ThreeFSComponent? mainConfigOf, (string ConfigMap, string Path)? files, bool keep)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(spec);
        var name = (string)cluster["metadata"]!["name"]!;
        var sources = new JsonArray(new JsonObject
        {
            ["configMap"] = new JsonObject
            {
                ["name"] = ThreeFSNames.ConfigMap(name, ThreeFSComponent.AdminCli),
                ["items"] = new JsonArray(new JsonObject { ["key"] = "admin_cli.toml", ["path"] = "admin_cli.toml" }),
            },
        });
        if (mainConfigOf is { } component)
        {
            var file = ThreeFSConfigBuilder.Program(component) + ".toml";
            sources.Add(new JsonObject { ["configMap"] = new JsonObject { ["name"] = ThreeFSNames.ConfigMap(name, component), ["items"] = new JsonArray(new JsonObject { ["key"] = file, ["path"] = file }) } });
        }

        var (secret, key) = ThreeFSVolumes.ClusterFileSecret(name, spec);
        sources.Add(new JsonObject { ["secret"] = new JsonObject { ["name"] = secret, ["items"] = new JsonArray(new JsonObject { ["key"] = key, ["path"] = "fdb.cluster" }) } });
        var volumes = new JsonArray(new JsonObject { ["name"] = ThreeFSVolumes.Config, ["projected"] = new JsonObject { ["sources"] = sources, ["defaultMode"] = 416 } });
        var mounts = new JsonArray(ThreeFSVolumes.ConfigMount());
        if (files is { } extra)
        {
            volumes.Add(new JsonObject { ["name"] = "files", ["configMap"] = new JsonObject { ["name"] = extra.ConfigMap } });
            mounts.Add(new JsonObject { ["name"] = "files", ["mountPath"] = extra.Path, ["readOnly"] = true });
        }

        var labels = new JsonObject { [ThreeFSNames.ClusterLabel] = name, [ThreeFSNames.ComponentLabel] = "admin", [StepLabel] = step };
        var jobSpec = new JsonObject
        {
            // A failed step is retried twice, then reported; init-cluster in particular must not loop.
            ["backoffLimit"] = 2,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                ["spec"] = new JsonObject
                {
                    ["restartPolicy"] = "Never",
                    ["hostNetwork"] = spec.Network.HostNetwork,
                    ["dnsPolicy"] = spec.Network.HostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "admin-cli",
                        ["image"] = spec.Image,
                        ["command"] = new JsonArray("/bin/sh", "-c", script),
                        ["env"] = new JsonArray(new JsonObject
                        {
                            ["name"] = TokenVariable,
                            ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = ThreeFSNames.TokenSecret(name), ["key"] = ThreeFSNames.TokenKey } },
                        }),
                        // admin_cli reaches mgmtd over RDMA like any client.
                        ["resources"] = ChildObjects.Resources(null, new Dictionary<string, string> { [spec.Network.RdmaResourceName] = "1" }),
                        ["volumeMounts"] = mounts,
                        ["securityContext"] = new JsonObject
                        {
                            ["allowPrivilegeEscalation"] = false,
                            ["capabilities"] = new JsonObject { ["add"] = new JsonArray("IPC_LOCK") },
                        },
                    }),
                    ["volumes"] = volumes,
                },
            },
        };
        if (!keep)
        {
            jobSpec["ttlSecondsAfterFinished"] = 3600;
        }

        var metadata = ThreeFSPodBuilder.Metadata(cluster, JobName(name, step), ThreeFSComponent.AdminCli);
        metadata["labels"]![StepLabel] = step;
        return new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["metadata"] = metadata, ["spec"] = jobSpec };
    }

    /// <summary>The chain table as upstream's three files, planned once over the storage node ids and then kept.</summary>
    public static JsonObject ChainTableConfigMap(JsonObject cluster, ChainTable table)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var name = (string)cluster["metadata"]!["name"]!;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = ThreeFSPodBuilder.Metadata(cluster, ThreeFSNames.ChainTable(name), ThreeFSComponent.AdminCli),
            ["data"] = new JsonObject
            {
                ["create_target_cmd.txt"] = ChainTableFiles.CreateTargetCommands(table),
                ["generated_chains.csv"] = ChainTableFiles.ChainsCsv(table),
                ["generated_chain_table.csv"] = ChainTableFiles.ChainTableCsv(table),
            },
        };
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The Job that removes a storage node's data directories (deletionPolicy Delete, after every daemon is gone).</summary>
    public static JsonObject WipeJob(JsonObject cluster, ThreeFSClusterSpec spec, int nodeId, string node, IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(directories);
        var name = (string)cluster["metadata"]!["name"]!;
        var step = $"wipe-{Text(nodeId)}";
        var volumes = new JsonArray();
        var mounts = new JsonArray();
        for (var disk = 0; disk < spec.Storage.DiskPaths.Count; disk++)
        {
            volumes.Add(new JsonObject { ["name"] = $"disk-{Text(disk)}", ["hostPath"] = new JsonObject { ["path"] = spec.Storage.DiskPaths[disk], ["type"] = "Directory" } });
            mounts.Add(new JsonObject { ["name"] = $"disk-{Text(disk)}", ["mountPath"] = spec.Storage.DiskPaths[disk] });
        }

        var metadata = ThreeFSPodBuilder.Metadata(cluster, JobName(name, step), ThreeFSComponent.AdminCli);
        metadata["labels"]![StepLabel] = step;
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["backoffLimit"] = 2,
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [ThreeFSNames.ClusterLabel] = name, [StepLabel] = step } },
                    ["spec"] = new JsonObject
                    {
                        ["restartPolicy"] = "Never",
                        ["affinity"] = ChildObjects.PinnedAffinity(node),
                        ["tolerations"] = ChildObjects.Tolerations(spec.Storage.Tolerations),
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "wipe",
                            ["image"] = spec.Image,
                            ["command"] = new JsonArray("/bin/sh", "-c", $"rm -rf {string.Join(' ', directories.Select(d => "'" + d + "'"))} && echo removed {string.Join(' ', directories)}"),
                            ["volumeMounts"] = mounts,
                            ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false },
                        }),
                        ["volumes"] = volumes,
                    },
                },
            },
        };
    }
}
