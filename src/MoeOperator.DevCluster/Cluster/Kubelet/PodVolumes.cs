using System.Text;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// Materialises a pod's volumes as directories on this machine: emptyDir in the pod's directory, hostPath mapped
/// under the dev data directory (never the machine's own paths), configMap and secret (and projected ones) as files
/// rewritten whenever the source changes, a persistentVolumeClaim as one directory per claim that outlives the pod,
/// and the service-account files every pod gets unless it opts out.
/// </summary>
internal sealed class PodVolumes(string dataDirectory, Func<string, string, string, JsonObject?> lookup, ServiceAccountFiles serviceAccount)
{
    public const string ServiceAccountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The mounts of <paramref name="container"/>; throws with the kubelet's message when a source is missing.</summary>
    public List<Mount> Prepare(JsonObject pod, string podDirectory, JsonObject container)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        var ns = (string?)pod["metadata"]?["namespace"] ?? "default";
        var volumes = pod["spec"]?["volumes"]?.AsArray().OfType<JsonObject>().ToDictionary(v => (string?)v["name"] ?? "", StringComparer.Ordinal) ?? [];
        var mounts = new List<Mount>();
        foreach (var volumeMount in container["volumeMounts"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var name = (string?)volumeMount["name"] ?? "";
            if (!volumes.TryGetValue(name, out var volume))
            {
                throw new InvalidOperationException($"volume \"{name}\" is mounted but not defined in the pod");
            }

            var source = Materialise(volume, ns, ServiceAccountFiles.AccountOf(pod), podDirectory);
            if ((string?)volumeMount["subPath"] is { Length: > 0 } subPath)
            {
                source = Path.Combine(source, subPath);
                if (!File.Exists(source))
                {
                    Directory.CreateDirectory(source);
                }
            }

            mounts.Add(new Mount((string?)volumeMount["mountPath"] ?? "/", source, (bool?)volumeMount["readOnly"] == true));
        }

        if ((bool?)pod["spec"]?["automountServiceAccountToken"] != false && mounts.All(m => m.ContainerPath != ServiceAccountPath))
        {
            mounts.Add(new Mount(ServiceAccountPath, serviceAccount.Write(Path.Combine(podDirectory, "serviceaccount"), ns, ServiceAccountFiles.AccountOf(pod)), ReadOnly: true));
        }

        return mounts;
    }

    /// <summary>Rewrites the pod's configMap, secret and projected volumes from their sources (running containers see the change).</summary>
    public void Refresh(JsonObject pod, string podDirectory)
    {
        var ns = (string?)pod["metadata"]?["namespace"] ?? "default";
        foreach (var volume in pod["spec"]?["volumes"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if (volume["configMap"] is not null || volume["secret"] is not null || volume["projected"] is not null)
            {
                try
                {
                    Materialise(volume, ns, ServiceAccountFiles.AccountOf(pod), podDirectory);
                }
                catch (InvalidOperationException)
                {
                    // The source is gone; the files keep their last content, as the kubelet leaves them.
                }
            }
        }
    }

    private string Materialise(JsonObject volume, string ns, string account, string podDirectory)
    {
        var directory = Path.Combine(podDirectory, "volumes", (string?)volume["name"] ?? "");
        if (volume["hostPath"] is JsonObject hostPath)
        {
            var mapped = Path.Combine(dataDirectory, "hostpath", ((string?)hostPath["path"] ?? "").TrimStart('/'));
            if ((string?)hostPath["type"] is "File" or "FileOrCreate")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(mapped)!);
                using var _ = File.Open(mapped, FileMode.OpenOrCreate);
            }
            else
            {
                Directory.CreateDirectory(mapped);
            }

            return mapped;
        }

        if (volume["persistentVolumeClaim"] is JsonObject claim)
        {
            var claimName = (string?)claim["claimName"] ?? "";
            if (lookup("persistentvolumeclaims", ns, claimName) is null)
            {
                throw new InvalidOperationException($"persistentvolumeclaim \"{claimName}\" not found");
            }

            var claimDirectory = Path.Combine(dataDirectory, "claims", ns, claimName);
            Directory.CreateDirectory(claimDirectory);
            return claimDirectory;
        }

        Directory.CreateDirectory(directory);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (volume["configMap"] is JsonObject configMap)
        {
            AddSource(files, "configmaps", configMap, ns);
        }
        else if (volume["secret"] is JsonObject secret)
        {
            AddSource(files, "secrets", new JsonObject { ["name"] = secret["secretName"]?.DeepClone(), ["items"] = secret["items"]?.DeepClone(), ["optional"] = secret["optional"]?.DeepClone() }, ns);
        }
        else if (volume["projected"] is JsonObject projected)
        {
            foreach (var part in projected["sources"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                if (part["configMap"] is JsonObject cm)
                {
                    AddSource(files, "configmaps", cm, ns);
                }
                else if (part["secret"] is JsonObject s)
                {
                    AddSource(files, "secrets", s, ns);
                }
                else if (part["serviceAccountToken"] is JsonObject token)
                {
                    files[(string?)token["path"] ?? "token"] = Encoding.UTF8.GetBytes(serviceAccount.TokenFor(ns, account));
                }
            }
        }
        else
        {
            // emptyDir, and any kind the dev cluster does not model: an empty directory of the pod.
            return directory;
        }

        Sync(directory, files);
        return directory;
    }

    private void AddSource(Dictionary<string, byte[]> files, string kind, JsonObject reference, string ns)
    {
        var name = (string?)reference["name"] ?? "";
        var source = lookup(kind, ns, name);
        if (source is null)
        {
            if ((bool?)reference["optional"] == true)
            {
                return;
            }

            throw new InvalidOperationException($"{(kind == "secrets" ? "secret" : "configmap")} \"{name}\" not found");
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in source["data"]?.AsObject() ?? [])
        {
            data[key] = kind == "secrets" ? Convert.FromBase64String((string?)value ?? "") : Encoding.UTF8.GetBytes((string?)value ?? "");
        }

        foreach (var (key, value) in source["binaryData"]?.AsObject() ?? [])
        {
            data[key] = Convert.FromBase64String((string?)value ?? "");
        }

        var items = reference["items"]?.AsArray().OfType<JsonObject>().ToList();
        if (items is null)
        {
            foreach (var (key, bytes) in data)
            {
                files[key] = bytes;
            }

            return;
        }

        foreach (var item in items)
        {
            if (data.TryGetValue((string?)item["key"] ?? "", out var bytes))
            {
                files[(string?)item["path"] ?? (string?)item["key"] ?? ""] = bytes;
            }
        }
    }

    // Rewrites only what changed, in place, so the bind mount a running container sees stays the same directory.
    private static void Sync(string directory, Dictionary<string, byte[]> files)
    {
        foreach (var (relative, bytes) in files)
        {
            var path = Path.Combine(directory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            {
                File.WriteAllBytes(path, bytes);
            }
        }

        foreach (var stale in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            if (!files.ContainsKey(Path.GetRelativePath(directory, stale)))
            {
                File.Delete(stale);
            }
        }
    }
}
