using System.Globalization;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// What a pod needs to call the API server from inside, as KubernetesClient's in-cluster configuration reads it:
/// the token, the CA and the namespace under /var/run/secrets/kubernetes.io/serviceaccount, and the
/// KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT variables.
/// </summary>
internal sealed class ServiceAccountFiles(string host, int port, string token, string caPem)
{
    public string Token => token;

    public IEnumerable<KeyValuePair<string, string>> Environment =>
    [
        new("KUBERNETES_SERVICE_HOST", host),
        new("KUBERNETES_SERVICE_PORT", port.ToString(CultureInfo.InvariantCulture)),
        new("KUBERNETES_PORT", $"tcp://{host}:{port.ToString(CultureInfo.InvariantCulture)}"),
    ];

    /// <summary>Writes the files into <paramref name="directory"/> and returns it.</summary>
    public string Write(string directory, string ns)
    {
        Directory.CreateDirectory(directory);
        WriteIfChanged(Path.Combine(directory, "token"), token);
        WriteIfChanged(Path.Combine(directory, "ca.crt"), caPem);
        WriteIfChanged(Path.Combine(directory, "namespace"), ns);
        return directory;
    }

    private static void WriteIfChanged(string path, string text)
    {
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            File.WriteAllText(path, text);
        }
    }
}
