using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// The default/kubernetes Service the real API server keeps for itself: cluster IP 10.96.0.1 (the first of the
/// service range, which the dev cluster's allocator never hands out), port 443 named https, and an Endpoints and an
/// EndpointSlice named kubernetes pointing at where the server listens. In-cluster clients and tools such as
/// <c>kubectl get endpoints kubernetes</c> or <c>kubectl cluster-info</c> look for them.
/// </summary>
internal static class KubernetesService
{
    public const string Name = "kubernetes";
    public const string ClusterIp = "10.96.0.1";

    /// <summary>Creates the three objects for a server listening on <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static void Create(ResourceService service, string address, int port)
    {
        service.Create(service.Type("", "v1", "services"), "default", Service(port), RequestOptions.Default);
        service.Create(service.Type("", "v1", "endpoints"), "default", Endpoints(address, port), RequestOptions.Default);
        service.Create(service.Type("discovery.k8s.io", "v1", "endpointslices"), "default", Slice(address, port), RequestOptions.Default);
    }

    public static JsonObject Service(int port) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = "default", ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" } },
        ["spec"] = new JsonObject
        {
            ["type"] = "ClusterIP",
            ["clusterIP"] = ClusterIp,
            ["clusterIPs"] = new JsonArray(ClusterIp),
            ["ipFamilies"] = new JsonArray("IPv4"),
            ["ipFamilyPolicy"] = "SingleStack",
            ["internalTrafficPolicy"] = "Cluster",
            ["sessionAffinity"] = "None",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = port }),
        },
    };

    public static JsonObject Endpoints(string address, int port) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Endpoints",
        ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = "default", ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
        ["subsets"] = new JsonArray(new JsonObject
        {
            ["addresses"] = new JsonArray(new JsonObject { ["ip"] = address }),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" }),
        }),
    };

    public static JsonObject Slice(string address, int port) => new()
    {
        ["apiVersion"] = "discovery.k8s.io/v1",
        ["kind"] = "EndpointSlice",
        ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = "default", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = Name } },
        ["addressType"] = "IPv4",
        ["endpoints"] = new JsonArray(new JsonObject
        {
            ["addresses"] = new JsonArray(address),
            ["conditions"] = new JsonObject { ["ready"] = true },
        }),
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" }),
    };
}
