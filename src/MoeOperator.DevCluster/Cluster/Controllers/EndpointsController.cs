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
    private readonly TimeSpan _fullPassPeriod;
    private readonly ResourceCache _pods;
    private readonly ResourceCache _services;
    private readonly LabelIndex _podsByLabel;

    // The pods each selector Service listed at its last sync: a change to one of them, or to a pod its selector now
    // matches, is what makes the Service's endpoints stale.
    private readonly Dictionary<(string Namespace, string Name), HashSet<(string Namespace, string Name)>> _members = [];

    // The reverse: the Services that listed each pod at their last sync.
    private readonly Dictionary<(string Namespace, string Name), HashSet<(string Namespace, string Name)>> _listedBy = [];
    // The Services to sync: changed ones, those a changed pod touched, every one on a full pass; a Service stays here
    // until a sync of it gets through, so a failed one is tried again on the next pass whatever changes meanwhile.
    private readonly HashSet<(string Namespace, string Name)> _due = [];
    private DateTimeOffset _lastFullPass = DateTimeOffset.MinValue;
    private int _nextClusterIp = 10;

    /// <param name="api">The controller's client.</param>
    /// <param name="fullPassPeriod">How often every Service is synced whatever changed (the cluster's resync period).</param>
    public EndpointsController(ClusterApi api, TimeSpan fullPassPeriod)
        : base(api, TimeSpan.FromSeconds(5), "services", "pods")
    {
        ArgumentNullException.ThrowIfNull(api);
        _fullPassPeriod = fullPassPeriod;
        _pods = api.Cache("pods");
        _services = api.Cache("services");
        _podsByLabel = new LabelIndex(_pods);
    }

    protected override void Pass()
    {
        var changedPods = _pods.Refresh();
        _podsByLabel.Update(changedPods);
        var changedServices = _services.Refresh();
        var now = Api.Clock.GetUtcNow();
        var full = now - _lastFullPass >= _fullPassPeriod;
        _due.UnionWith(full ? _services.Items.Select(ServiceKey) : [.. changedServices, .. Touched(changedPods)]);
        foreach (var key in _due.ToList())
        {
            if (_services.Find(key.Namespace, key.Name) is not { } cached || cached["metadata"]?["deletionTimestamp"] is not null)
            {
                _due.Remove(key);
                continue;
            }

            // One Service's trouble must not stall the others; it stays due for the next pass.
            ForObject(cached, "service", () =>
            {
                Sync(cached);
                _due.Remove(key);
            });
        }

        if (full)
        {
            _lastFullPass = now;
            foreach (var gone in _members.Keys.Where(k => _services.Find(k.Namespace, k.Name) is null).ToList())
            {
                SetMembers(gone, null);
            }
        }
    }

    private static (string Namespace, string Name) ServiceKey(JsonObject service) => (ClusterApi.Namespace(service) ?? "", ClusterApi.Name(service));

    // Gives a new Service its cluster IP, or lists a selector Service's pods in its Endpoints and EndpointSlice.
    private void Sync(JsonObject cached)
    {
        var ns = ClusterApi.Namespace(cached);
        var key = ServiceKey(cached);
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

        if (cached["spec"]?["selector"] is not JsonObject { Count: > 0 } selector)
        {
            return;
        }

        var members = _podsByLabel.Matching(ns, selector)
            .Where(p => (string?)p["status"]?["podIP"] is { Length: > 0 } && Workloads.IsActive(p))
            .OrderBy(ClusterApi.Name, StringComparer.Ordinal)
            .ToList();
        SyncEndpoints(cached, members);
        SyncSlice(cached, members);
        SetMembers(key, [.. members.Select(p => (ns ?? "", ClusterApi.Name(p)))]);
    }

    private static bool Selects(JsonObject selector, JsonObject pod) =>
        selector.All(s => (string?)pod["metadata"]?["labels"]?[s.Key] == (string?)s.Value);

    private void SetMembers((string, string) service, HashSet<(string Namespace, string Name)>? members)
    {
        if (_members.Remove(service, out var previous))
        {
            foreach (var pod in previous)
            {
                if (_listedBy.TryGetValue(pod, out var services) && services.Remove(service) && services.Count == 0)
                {
                    _listedBy.Remove(pod);
                }
            }
        }

        if (members is null)
        {
            return;
        }

        _members[service] = members;
        foreach (var pod in members)
        {
            (_listedBy.TryGetValue(pod, out var services) ? services : _listedBy[pod] = []).Add(service);
        }
    }

    // The Services a changed pod was a member of at their last sync, or whose selector matches it now. Looked up
    // from the pod's side (its labels against the Services' first selector label), so a pass costs what changed, not
    // Services times pods.
    private HashSet<(string Namespace, string Name)> Touched(IReadOnlyList<(string Namespace, string Name)> changedPods)
    {
        var touched = new HashSet<(string Namespace, string Name)>();
        Dictionary<(string Namespace, string Label, string? Value), List<JsonObject>>? byFirstLabel = null;
        foreach (var changed in changedPods)
        {
            if (_listedBy.TryGetValue(changed, out var services))
            {
                touched.UnionWith(services);
            }

            if (_pods.Find(changed.Namespace, changed.Name) is not { } pod || pod["metadata"]?["labels"] is not JsonObject labels)
            {
                continue;
            }

            byFirstLabel ??= SelectorsByFirstLabel();
            foreach (var label in labels)
            {
                foreach (var service in byFirstLabel.GetValueOrDefault((changed.Namespace, label.Key, (string?)label.Value)) ?? [])
                {
                    if (Selects(service["spec"]!["selector"]!.AsObject(), pod))
                    {
                        touched.Add(ServiceKey(service));
                    }
                }
            }
        }

        return touched;
    }

    private Dictionary<(string Namespace, string Label, string? Value), List<JsonObject>> SelectorsByFirstLabel()
    {
        var index = new Dictionary<(string Namespace, string Label, string? Value), List<JsonObject>>();
        foreach (var service in _services.Items)
        {
            if (service["spec"]?["selector"] is JsonObject { Count: > 0 } selector)
            {
                var first = selector.First();
                var key = (ClusterApi.Namespace(service) ?? "", first.Key, (string?)first.Value);
                (index.TryGetValue(key, out var list) ? list : index[key] = []).Add(service);
            }
        }

        return index;
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
