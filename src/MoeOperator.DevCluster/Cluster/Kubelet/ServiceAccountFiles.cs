using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// What a pod needs to call the API server from inside, as KubernetesClient's in-cluster configuration reads it:
/// a token of the pod's service account, the CA and the namespace under
/// /var/run/secrets/kubernetes.io/serviceaccount, and the KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT
/// variables. The token authenticates as system:serviceaccount:NAMESPACE:NAME, so a pod gets what RBAC grants its
/// service account, as on a real cluster.
/// </summary>
/// <param name="host">KUBERNETES_SERVICE_HOST: the API server as pods reach it.</param>
/// <param name="port">KUBERNETES_SERVICE_PORT.</param>
/// <param name="issue">Issues a token of a namespace's service account (the API server's issuer).</param>
/// <param name="caPem">The CA pods trust the API server by.</param>
internal sealed class ServiceAccountFiles(string host, int port, Func<string, string, string> issue, string caPem)
{
    // One token per service account for the cluster's life: files are rewritten only when their content changes.
    private readonly ConcurrentDictionary<(string Namespace, string Name), string> _tokens = new();

    public IEnumerable<KeyValuePair<string, string>> Environment =>
    [
        new("KUBERNETES_SERVICE_HOST", host),
        new("KUBERNETES_SERVICE_PORT", port.ToString(CultureInfo.InvariantCulture)),
        new("KUBERNETES_PORT", $"tcp://{host}:{port.ToString(CultureInfo.InvariantCulture)}"),
    ];

    /// <summary>The service account a pod runs as (spec.serviceAccountName, default when unset).</summary>
    public static string AccountOf(JsonObject pod) =>
        (string?)pod["spec"]?["serviceAccountName"] is { Length: > 0 } name ? name : "default";

    /// <summary>The token of <paramref name="ns"/>/<paramref name="account"/>.</summary>
    public string TokenFor(string ns, string account) => _tokens.GetOrAdd((ns, account), key => issue(key.Namespace, key.Name));

    /// <summary>Writes the files into <paramref name="directory"/> and returns it.</summary>
    public string Write(string directory, string ns, string account)
    {
        Directory.CreateDirectory(directory);
        WriteIfChanged(Path.Combine(directory, "token"), TokenFor(ns, account));
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
