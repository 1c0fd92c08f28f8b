using System.Text;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// The /etc/hosts of a pod: itself, and every pod that has a hostname and a subdomain naming a headless Service of
/// its namespace, under <c>&lt;hostname&gt;.&lt;subdomain&gt;.&lt;namespace&gt;.svc[.cluster.local]</c> (the records
/// cluster DNS serves for them). Pods are not ready-gated when the Service publishes not-ready addresses.
/// </summary>
internal static class HostsFile
{
    public const string ClusterDomain = "cluster.local";

    /// <summary>The hosts file; <paramref name="apiServerIp"/> is where the pod reaches the API server as kubernetes.default.svc.</summary>
    public static string Build(JsonObject self, string selfIp, IReadOnlyList<(JsonObject Pod, string Ip)> pods, IReadOnlyList<JsonObject> services, string apiServerIp)
    {
        ArgumentNullException.ThrowIfNull(self);
        var text = new StringBuilder();
        text.Append("# Kubernetes-managed hosts file (moe dev cluster).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        text.Append(apiServerIp).Append($"\tkubernetes.default.svc.{ClusterDomain} kubernetes.default.svc kubernetes.default kubernetes\n");
        var selfNames = Names(self, services, requireService: false);
        text.Append(selfIp).Append('\t').Append(string.Join(' ', selfNames.Count > 0 ? selfNames : [Hostname(self)])).Append('\n');
        foreach (var (pod, ip) in pods.OrderBy(p => p.Ip, StringComparer.Ordinal))
        {
            if ((string?)pod["metadata"]?["uid"] == (string?)self["metadata"]?["uid"])
            {
                continue;
            }

            var names = Names(pod, services, requireService: true);
            if (names.Count > 0)
            {
                text.Append(ip).Append('\t').Append(string.Join(' ', names)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The pod's hostname: spec.hostname, else its name.</summary>
    public static string Hostname(JsonObject pod) => (string?)pod["spec"]?["hostname"] ?? (string?)pod["metadata"]?["name"] ?? "";

    private static List<string> Names(JsonObject pod, IReadOnlyList<JsonObject> services, bool requireService)
    {
        var hostname = Hostname(pod);
        var subdomain = (string?)pod["spec"]?["subdomain"];
        var ns = (string?)pod["metadata"]?["namespace"];
        if (string.IsNullOrEmpty(subdomain))
        {
            return requireService ? [] : [hostname];
        }

        var service = services.FirstOrDefault(s => (string?)s["metadata"]?["name"] == subdomain && (string?)s["metadata"]?["namespace"] == ns && (string?)s["spec"]?["clusterIP"] == "None");
        if (requireService && (service is null || !Publishes(service, pod)))
        {
            return [];
        }

        return [$"{hostname}.{subdomain}.{ns}.svc.{ClusterDomain}", $"{hostname}.{subdomain}.{ns}.svc", $"{hostname}.{subdomain}.{ns}", $"{hostname}.{subdomain}", hostname];
    }

    private static bool Publishes(JsonObject service, JsonObject pod)
    {
        var selector = service["spec"]?["selector"]?.AsObject();
        var labels = pod["metadata"]?["labels"];
        if (selector is null || selector.Any(p => (string?)labels?[p.Key] != (string?)p.Value))
        {
            return false;
        }

        return (bool?)service["spec"]?["publishNotReadyAddresses"] == true || IsReady(pod);
    }

    private static bool IsReady(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true;
}
