using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// Services: allocates a cluster IP (none for headless Services) and keeps an Endpoints and an EndpointSlice per
/// selector Service with the matching pods' addresses: ready pods as ready, others as not ready unless the Service
/// publishes not-ready addresses; target ports resolved by number or by the container port's name.
/// </summary>
internal sealed class EndpointsController : ControlLoop
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";

    // Endpoints and slices are not watched: an edit by hand is put right on the next full pass.
    private static readonly TimeSpan _fullPassPeriod = TimeSpan.FromSeconds(30);
    private readonly ResourceCache _pods;
    private readonly ResourceCache _services;
    private readonly LabelIndex _podsByLabel;

    // The pods each selector Service listed at its last sync: a change to one of them, or to a pod its selector now
    // matches, is what makes the Service's endpoints stale.
    private readonly Dictionary<(string Namespace, string Name), HashSet<(string Namespace, string Name)>> _members = [];
    private DateTimeOffset _lastFullPass = DateTimeOffset.MinValue;
    private int _nextClusterIp = 10;

    public EndpointsController(ClusterApi api)
        : base(api, TimeSpan.FromSeconds(5), "services", "pods")
    {
        ArgumentNullException.ThrowIfNull(api);
        _pods = api.Cache("pods");
        _services = api.Cache("services");
        _podsByLabel = new LabelIndex(_pods);
    }

    protected override void Pass()
    {
        var changedPods = _pods.Refresh();
        _podsByLabel.Update(changedPods);
        var changedServices = _services.Refresh().ToHashSet();
        var now = Api.Clock.GetUtcNow();
        var full = now - _lastFullPass >= _fullPassPeriod;
        foreach (var cached in _services.Items)
        {
            if (cached["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            // One Service's trouble must not stall the others; it is synced again on the next pass.
            ForObject(cached, "service", () => Sync(cached, full, changedServices, changedPods));
        }

        if (full)
        {
            _lastFullPass = now;
            foreach (var gone in _members.Keys.Where(k => _services.Find(k.Namespace, k.Name) is null).ToList())
            {
                _members.Remove(gone);
            }
        }
    }

    private void Sync(JsonObject cached, bool full, HashSet<(string Namespace, string Name)> changedServices, IReadOnlyList<(string Namespace, string Name)> changedPods)
    {
        var ns = ClusterApi.Namespace(cached);
        var key = (ns ?? "", ClusterApi.Name(cached));
        if ((string?)cached["spec"]?["clusterIP"] is not { Length: > 0 })
        {
            var service = cached.DeepClone().AsObject();
            var ip = $"10.96.{(_nextClusterIp / 250).ToString(CultureInfo.InvariantCulture)}.{(_nextClusterIp % 250 + 1).ToString(CultureInfo.InvariantCulture)}";
            _nextClusterIp++;
            service["spec"]!["clusterIP"] = ip;
            service["spec"]!["clusterIPs"] = new JsonArray(ip);
            Api.Update("services", service);
            return;
        }

        if (cached["spec"]?["selector"] is not JsonObject { Count: > 0 } selector
            || !(full || changedServices.Contains(key) || Touched(key, ns, selector, changedPods)))
        {
            return;
        }

        var members = _podsByLabel.Matching(ns, selector)
            .Where(p => (string?)p["status"]?["podIP"] is { Length: > 0 } && Workloads.IsActive(p))
            .OrderBy(ClusterApi.Name, StringComparer.Ordinal)
            .ToList();
        // Forgotten until both writes land, so a failed sync is tried again next pass whatever changes meanwhile.
        _members.Remove(key);
        SyncEndpoints(cached, members);
        SyncSlice(cached, members);
        _members[key] = [.. members.Select(p => (ns ?? "", ClusterApi.Name(p)))];
    }

    private static bool Selects(JsonObject selector, JsonObject pod) =>
        selector.All(s => (string?)pod["metadata"]?["labels"]?[s.Key] == (string?)s.Value);

    // Whether a changed pod was a member at the last sync, or is one of the Service's pods now.
    private bool Touched((string, string) service, string? ns, JsonObject selector, IReadOnlyList<(string Namespace, string Name)> changedPods)
    {
        var members = _members.GetValueOrDefault(service);
        return members is null || changedPods.Any(p => members.Contains(p)
            || (p.Namespace == (ns ?? "") && _pods.Find(p.Namespace, p.Name) is { } pod && Selects(selector, pod)));
    }

    private static bool Published(JsonObject service, JsonObject pod) =>
        Workloads.IsReady(pod) || (bool?)service["spec"]?["publishNotReadyAddresses"] == true;

    private static JsonArray Ports(JsonObject service, JsonObject? pod) =>
    [
        .. (service["spec"]?["ports"]?.AsArray().OfType<JsonObject>() ?? []).Select(port =>
        {
            var result = new JsonObject
            {
                ["port"] = TargetPort(port, pod),
                ["protocol"] = (string?)port["protocol"] ?? "TCP",
            };
            if ((string?)port["name"] is { } name)
            {
                result["name"] = name;
            }

            return (JsonNode)result;
        }),
    ];

    private static int TargetPort(JsonObject port, JsonObject? pod)
    {
        var target = port["targetPort"] ?? port["port"];
        if (target is JsonValue value && value.TryGetValue<int>(out var number))
        {
            return number;
        }

        var name = (string?)target;
        var named = pod?["spec"]?["containers"]?.AsArray().SelectMany(c => c?["ports"]?.AsArray() ?? []).FirstOrDefault(p => (string?)p?["name"] == name);
        return (int?)named?["containerPort"] ?? (int.TryParse(name, CultureInfo.InvariantCulture, out var parsed) ? parsed : (int?)port["port"] ?? 0);
    }

    private static JsonObject Address(JsonObject pod, string serviceName)
    {
        var address = new JsonObject
        {
            ["ip"] = (string?)pod["status"]?["podIP"],
            ["nodeName"] = (string?)pod["spec"]?["nodeName"],
            ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ClusterApi.Namespace(pod), ["name"] = ClusterApi.Name(pod), ["uid"] = (string?)pod["metadata"]?["uid"] },
        };
        if ((string?)pod["spec"]?["subdomain"] == serviceName && (string?)pod["spec"]?["hostname"] is { } hostname)
        {
            address["hostname"] = hostname;
        }

        return address;
    }

    private void SyncEndpoints(JsonObject service, List<JsonObject> members)
    {
        var name = ClusterApi.Name(service);
        var ready = members.Where(p => Published(service, p)).Select(p => (JsonNode)Address(p, name)).ToArray();
        var notReady = members.Where(p => !Published(service, p)).Select(p => (JsonNode)Address(p, name)).ToArray();
        var subset = new JsonObject { ["ports"] = Ports(service, members.FirstOrDefault()) };
        if (ready.Length > 0)
        {
            subset["addresses"] = new JsonArray(ready);
        }

        if (notReady.Length > 0)
        {
            subset["notReadyAddresses"] = new JsonArray(notReady);
        }

        var subsets = members.Count == 0 ? new JsonArray() : new JsonArray(subset);
        Upsert("endpoints", service, name, obj => obj["subsets"] = subsets, obj => obj["subsets"]?.ToJsonString() ?? "[]");
    }

    private void SyncSlice(JsonObject service, List<JsonObject> members)
    {
        var serviceName = ClusterApi.Name(service);
        var endpoints = new JsonArray([.. members.Select(p =>
        {
            var address = Address(p, serviceName);
            var endpoint = new JsonObject
            {
                ["addresses"] = new JsonArray((string?)address["ip"]),
                ["conditions"] = new JsonObject { ["ready"] = Published(service, p), ["serving"] = Workloads.IsReady(p), ["terminating"] = false },
                ["nodeName"] = address["nodeName"]?.DeepClone(),
                ["targetRef"] = address["targetRef"]?.DeepClone(),
            };
            if (address["hostname"] is { } hostname)
            {
                endpoint["hostname"] = hostname.DeepClone();
            }

            return (JsonNode)endpoint;
        })]);
        var ports = Ports(service, members.FirstOrDefault());
        Upsert("endpointslices.discovery.k8s.io", service, serviceName + "-dev", obj =>
        {
            obj["addressType"] = "IPv4";
            obj["endpoints"] = endpoints;
            obj["ports"] = ports;
        }, obj => (obj["endpoints"]?.ToJsonString() ?? "") + (obj["ports"]?.ToJsonString() ?? ""));
    }

    private void Upsert(string groupResource, JsonObject service, string name, Action<JsonObject> fill, Func<JsonObject, string> content)
    {
        var ns = ClusterApi.Namespace(service);
        var type = Api.Type(groupResource);
        var existing = Api.Get(groupResource, ns, name);
        var desired = existing?.DeepClone().AsObject() ?? new JsonObject
        {
            ["apiVersion"] = type.ApiVersion,
            ["kind"] = type.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = new JsonObject { [ServiceNameLabel] = ClusterApi.Name(service), ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io" },
                ["ownerReferences"] = new JsonArray(Workloads.ControllerReference(service)),
            },
        };
        fill(desired);
        if (existing is null)
        {
            Api.Create(groupResource, desired);
        }
        else if (content(existing) != content(desired))
        {
            Api.Update(groupResource, desired);
        }
    }
}
