using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Http;

/// <summary>One column of a meta.k8s.io/v1 Table: its definition and how to read its cell from an object.</summary>
internal sealed record TableColumn(string Name, string Type, string Description, int Priority, Func<JsonObject, JsonNode?> Cell);

/// <summary>
/// The columns the real API server prints for the built-in kinds (kubernetes/pkg/printers/internalversion): the
/// same names, order, priorities (1 = only with -o wide) and cell values, so kubectl get reads as it does on a real
/// cluster.
/// </summary>
internal static class BuiltinTableColumns
{
    public static List<TableColumn>? For(string groupResource, TableColumn name, TableColumn age, DateTimeOffset now) => groupResource switch
    {
        "pods" =>
        [
            name,
            new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", 0, PodReady),
            new("Status", "string", "The aggregate status of the containers in this pod.", 0, o => (string?)o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : (string?)o["status"]?["reason"] ?? (string?)o["status"]?["phase"]),
            new("Restarts", "string", "The number of times the containers in this pod have been restarted.", 0, o => Count(o["status"]?["containerStatuses"]?.AsArray().Sum(c => (int?)c?["restartCount"] ?? 0) ?? 0)),
            age,
            new("IP", "string", "IP address allocated to the pod.", 1, o => None(o["status"]?["podIP"])),
            new("Node", "string", "Name of the node the pod is assigned to.", 1, o => None(o["spec"]?["nodeName"])),
            new("Nominated Node", "string", "Name of the node the pod is nominated to run on.", 1, o => None(o["status"]?["nominatedNodeName"])),
            new("Readiness Gates", "string", "The pod's readiness gates.", 1, o => o["spec"]?["readinessGates"]?.AsArray().Count is > 0 ? $"0/{o["spec"]!["readinessGates"]!.AsArray().Count}" : "<none>"),
        ],
        "nodes" =>
        [
            name,
            new("Status", "string", "The status of the node.", 0, NodeStatus),
            new("Roles", "string", "The roles of the node.", 0, NodeRoles),
            age,
            new("Version", "string", "Kubelet version.", 0, o => (string?)o["status"]?["nodeInfo"]?["kubeletVersion"] ?? ""),
            new("Internal-IP", "string", "The node's internal address.", 1, o => NodeAddress(o, "InternalIP")),
            new("External-IP", "string", "The node's external address.", 1, o => NodeAddress(o, "ExternalIP")),
            new("OS-Image", "string", "OS image reported by the node.", 1, o => (string?)o["status"]?["nodeInfo"]?["osImage"] ?? "<unknown>"),
            new("Kernel-Version", "string", "Kernel version reported by the node.", 1, o => (string?)o["status"]?["nodeInfo"]?["kernelVersion"] ?? "<unknown>"),
            new("Container-Runtime", "string", "Container runtime reported by the node.", 1, o => (string?)o["status"]?["nodeInfo"]?["containerRuntimeVersion"] ?? "<unknown>"),
        ],
        "namespaces" => [name, new("Status", "string", "The status of the namespace.", 0, o => (string?)o["status"]?["phase"]), age],
        "deployments.apps" =>
        [
            name,
            new("Ready", "string", "Number of the pod with ready state.", 0, o => $"{Int(o["status"]?["readyReplicas"])}/{Desired(o)}"),
            new("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0, o => Int(o["status"]?["updatedReplicas"])),
            new("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0, o => Int(o["status"]?["availableReplicas"])),
            age,
            .. TemplateColumns(withSelector: true),
        ],
        "replicasets.apps" =>
        [
            name,
            new("Desired", "integer", "Number of desired pods.", 0, o => Desired(o)),
            new("Current", "integer", "Number of actually running pods.", 0, o => Int(o["status"]?["replicas"])),
            new("Ready", "integer", "Number of ready pods.", 0, o => Int(o["status"]?["readyReplicas"])),
            age,
            .. TemplateColumns(withSelector: true),
        ],
        "statefulsets.apps" =>
        [
            name,
            new("Ready", "string", "Number of the pod with ready state.", 0, o => $"{Int(o["status"]?["readyReplicas"])}/{Desired(o)}"),
            age,
            .. TemplateColumns(withSelector: false),
        ],
        "daemonsets.apps" =>
        [
            name,
            new("Desired", "integer", "The number of nodes that should be running the daemon pod.", 0, o => Int(o["status"]?["desiredNumberScheduled"])),
            new("Current", "integer", "The number of nodes running at least one daemon pod.", 0, o => Int(o["status"]?["currentNumberScheduled"])),
            new("Ready", "integer", "The number of nodes that should be running the daemon pod and have one running and ready.", 0, o => Int(o["status"]?["numberReady"])),
            new("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod.", 0, o => Int(o["status"]?["updatedNumberScheduled"])),
            new("Available", "integer", "The number of nodes that should be running the daemon pod and have one running and available.", 0, o => Int(o["status"]?["numberAvailable"])),
            new("Node Selector", "string", "The node selector of the daemon pods.", 0, o => Labels(o["spec"]?["template"]?["spec"]?["nodeSelector"])),
            age,
            .. TemplateColumns(withSelector: true),
        ],
        "jobs.batch" =>
        [
            name,
            new("Status", "string", "Status of the job.", 0, JobStatus),
            new("Completions", "string", "The completion status of the job.", 0, JobCompletions),
            new("Duration", "string", "Time required to complete the job.", 0, o => JobDuration(o, now)),
            age,
            .. TemplateColumns(withSelector: true),
        ],
        "services" =>
        [
            name,
            new("Type", "string", "The type of the service.", 0, o => (string?)o["spec"]?["type"] ?? "ClusterIP"),
            new("Cluster-IP", "string", "The cluster IP of the service.", 0, o => (string?)o["spec"]?["clusterIP"] ?? "<none>"),
            new("External-IP", "string", "The external IPs of the service.", 0, ServiceExternalIp),
            new("Port(s)", "string", "The ports of the service.", 0, ServicePorts),
            age,
            new("Selector", "string", "The label selector of the service.", 1, o => Labels(o["spec"]?["selector"])),
        ],
        "horizontalpodautoscalers.autoscaling" =>
        [
            name,
            new("Reference", "string", "Reference to the target resource.", 0, o => $"{o["spec"]?["scaleTargetRef"]?["kind"]}/{o["spec"]?["scaleTargetRef"]?["name"]}"),
            new("Targets", "string", "The metric targets, with their current readings.", 0, HpaTargets),
            new("MinPods", "string", "Minimum number of replicas.", 0, o => Count((int?)o["spec"]?["minReplicas"] ?? 1)),
            new("MaxPods", "integer", "Maximum number of replicas.", 0, o => Int(o["spec"]?["maxReplicas"])),
            new("Replicas", "integer", "Current replicas.", 0, o => Int(o["status"]?["currentReplicas"])),
            age,
        ],
        _ => null,
    };

    // As the real printer: "cpu: 20%/50%" per metric, "<unknown>" for a reading not yet made, "<none>" without metrics.
    private static JsonNode HpaTargets(JsonObject hpa)
    {
        var current = hpa["status"]?["currentMetrics"]?.AsArray() ?? new JsonArray();
        var targets = (hpa["spec"]?["metrics"]?.AsArray() ?? new JsonArray()).Select(metric =>
        {
            var type = (string?)metric?["type"] ?? "";
            var source = metric?[ToCamel(type)];
            var name = (string?)source?["name"] ?? (string?)source?["metric"]?["name"] ?? type;
            var target = source?["target"];
            var reading = current.FirstOrDefault(c => (string?)c?["type"] == type && ((string?)c?[ToCamel(type)]?["name"] ?? (string?)c?[ToCamel(type)]?["metric"]?["name"]) == name)?[ToCamel(type)]?["current"];
            var (wanted, seen) = (string?)target?["type"] switch
            {
                "Utilization" => ($"{target?["averageUtilization"]}%", reading?["averageUtilization"] is { } u ? $"{u}%" : null),
                "AverageValue" => ((string?)target?["averageValue"], (string?)reading?["averageValue"]),
                _ => ((string?)target?["value"], (string?)reading?["value"]),
            };
            return type == "Resource" || type == "ContainerResource" ? $"{name}: {seen ?? "<unknown>"}/{wanted}" : $"{seen ?? "<unknown>"}/{wanted}";
        }).ToList();
        return targets.Count == 0 ? "<none>" : string.Join(", ", targets);
    }

    private static string ToCamel(string type) => type.Length == 0 ? type : char.ToLowerInvariant(type[0]) + type[1..];

    private static TableColumn[] TemplateColumns(bool withSelector) =>
    [
        new("Containers", "string", "Names of each container in the template.", 1, o => string.Join(",", Containers(o).Select(c => (string?)c?["name"]))),
        new("Images", "string", "Images referenced by each container in the template.", 1, o => string.Join(",", Containers(o).Select(c => (string?)c?["image"]))),
        .. withSelector ? [new TableColumn("Selector", "string", "The label selector.", 1, Selector)] : Array.Empty<TableColumn>(),
    ];

    private static JsonArray Containers(JsonObject o) =>
        o["spec"]?["template"]?["spec"]?["containers"]?.AsArray() ?? new JsonArray();

    private static JsonNode Selector(JsonObject o)
    {
        var selector = o["spec"]?["selector"];
        var terms = (selector?["matchLabels"]?.AsObject() ?? []).Select(kv => $"{kv.Key}={kv.Value}")
            .Concat((selector?["matchExpressions"]?.AsArray() ?? []).Select(Expression));
        var text = string.Join(",", terms);
        return text.Length == 0 ? "<none>" : text;
    }

    private static string Expression(JsonNode? e)
    {
        var values = string.Join(",", e?["values"]?.AsArray().Select(v => (string?)v) ?? []);
        return (string?)e?["operator"] switch
        {
            "In" => $"{e?["key"]} in ({values})",
            "NotIn" => $"{e?["key"]} notin ({values})",
            "DoesNotExist" => $"!{e?["key"]}",
            _ => $"{e?["key"]}",
        };
    }

    private static string Labels(JsonNode? map)
    {
        var text = string.Join(",", (map?.AsObject() ?? []).Select(kv => $"{kv.Key}={kv.Value}"));
        return text.Length == 0 ? "<none>" : text;
    }

    private static int Int(JsonNode? value) => (int?)value ?? 0;

    private static int Desired(JsonObject o) => (int?)o["spec"]?["replicas"] ?? 1;

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string None(JsonNode? value) => (string?)value is { Length: > 0 } text ? text : "<none>";

    private static JsonNode PodReady(JsonObject pod)
    {
        var statuses = pod["status"]?["containerStatuses"]?.AsArray();
        var total = pod["spec"]?["containers"]?.AsArray().Count ?? 0;
        var ready = statuses?.Count(s => (bool?)s?["ready"] == true) ?? 0;
        return $"{ready}/{total}";
    }

    private static JsonNode NodeStatus(JsonObject node)
    {
        var ready = node["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Ready");
        var status = (string?)ready?["status"] switch { "True" => "Ready", null => "Unknown", _ => "NotReady" };
        return (bool?)node["spec"]?["unschedulable"] == true ? $"{status},SchedulingDisabled" : status;
    }

    private static JsonNode NodeRoles(JsonObject node)
    {
        const string prefix = "node-role.kubernetes.io/";
        var roles = (node["metadata"]?["labels"]?.AsObject() ?? []).Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => kv.Key[prefix.Length..]).Where(r => r.Length > 0).Order(StringComparer.Ordinal).ToList();
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static JsonNode NodeAddress(JsonObject node, string type) =>
        (string?)node["status"]?["addresses"]?.AsArray().FirstOrDefault(a => (string?)a?["type"] == type)?["address"] ?? "<none>";

    private static bool HasCondition(JsonObject job, string type) =>
        job["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == type && (string?)c?["status"] == "True") == true;

    private static JsonNode JobStatus(JsonObject job) =>
        HasCondition(job, "Complete") ? "Complete"
        : HasCondition(job, "Failed") ? "Failed"
        : job["metadata"]?["deletionTimestamp"] is not null ? "Terminating"
        : HasCondition(job, "Suspended") ? "Suspended"
        : HasCondition(job, "FailureTarget") ? "FailureTarget"
        : HasCondition(job, "SuccessCriteriaMet") ? "SuccessCriteriaMet"
        : "Running";

    private static JsonNode JobCompletions(JsonObject job)
    {
        var succeeded = Int(job["status"]?["succeeded"]);
        if ((int?)job["spec"]?["completions"] is { } completions)
        {
            return $"{succeeded}/{completions}";
        }

        var parallelism = (int?)job["spec"]?["parallelism"] ?? 0;
        return parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
    }

    private static JsonNode JobDuration(JsonObject job, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse((string?)job["status"]?["startTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
        {
            return "";
        }

        var end = DateTimeOffset.TryParse((string?)job["status"]?["completionTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var completed) ? completed : now;
        return HumanDuration.Format(end - start);
    }

    private static JsonNode ServiceExternalIp(JsonObject service)
    {
        var external = service["spec"]?["externalIPs"]?.AsArray().Select(a => (string?)a).ToList() ?? [];
        switch ((string?)service["spec"]?["type"] ?? "ClusterIP")
        {
            case "ExternalName":
                return (string?)service["spec"]?["externalName"] ?? "<none>";
            case "LoadBalancer":
                var ingress = service["status"]?["loadBalancer"]?["ingress"]?.AsArray().Select(i => (string?)i?["ip"] ?? (string?)i?["hostname"]).ToList() ?? [];
                var all = external.Concat(ingress).ToList();
                return all.Count == 0 ? "<pending>" : string.Join(",", all);
            default:
                return external.Count == 0 ? "<none>" : string.Join(",", external);
        }
    }

    private static JsonNode ServicePorts(JsonObject service)
    {
        var ports = service["spec"]?["ports"]?.AsArray().Select(p =>
        {
            var protocol = (string?)p?["protocol"] ?? "TCP";
            return (int?)p?["nodePort"] is { } nodePort ? $"{p?["port"]}:{nodePort}/{protocol}" : $"{p?["port"]}/{protocol}";
        }).ToList() ?? [];
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }
}
