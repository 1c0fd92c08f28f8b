using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>The three Pod Security Standards levels, from least to most restrictive.</summary>
public enum PodSecurityLevel
{
    Privileged,
    Baseline,
    Restricted,
}

/// <summary>
/// The checks of Kubernetes' Pod Security Standards (pod-security-admission's policy package, latest version) as a
/// pure function of a pod's metadata and spec: each violated check as the real plugin words it, "<c>title
/// (detail)</c>", in the plugin's order (by check ID). At restricted, the restricted form of a check replaces its
/// baseline form (capabilities, seccomp, volume types), as there.
/// </summary>
public static class PodSecurityStandards
{
    // What baseline lets a container add: the container runtime's default set.
    private static readonly HashSet<string> _baselineCapabilities =
        ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

    private static readonly HashSet<string> _safeSysctls =
        ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];

    private static readonly string[] _hostNamespaces = ["hostNetwork", "hostPID", "hostIPC"];

    private static readonly HashSet<string> _restrictedVolumeKinds =
        ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    /// <summary>Parses a namespace label's level ("privileged", "baseline", "restricted"); null for anything else.</summary>
    public static PodSecurityLevel? ParseLevel(string? text) => text switch
    {
        "privileged" => PodSecurityLevel.Privileged,
        "baseline" => PodSecurityLevel.Baseline,
        "restricted" => PodSecurityLevel.Restricted,
        _ => null,
    };

    /// <summary>The checks a pod (its metadata and spec) fails at a level; empty when it is allowed.</summary>
    public static List<string> Violations(JsonObject? metadata, JsonObject spec, PodSecurityLevel level)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var failures = new List<string>();
        if (level == PodSecurityLevel.Privileged)
        {
            return failures;
        }

        var pod = new PodView(metadata, spec);
        var restricted = level == PodSecurityLevel.Restricted;
        if (restricted)
        {
            Add(failures, "allowPrivilegeEscalation != false", Containers(pod.Containers.Where(c => (bool?)c.Context?["allowPrivilegeEscalation"] != false), "must set securityContext.allowPrivilegeEscalation=false"));
        }

        Add(failures, "forbidden AppArmor profile", AppArmor(pod));
        Add(failures, restricted ? "unrestricted capabilities" : "non-default capabilities", restricted ? RestrictedCapabilities(pod) : BaselineCapabilities(pod));
        Add(failures, "host namespaces", string.Join(", ", _hostNamespaces.Where(f => (bool?)spec[f] == true).Select(f => $"{f}=true")));
        if (!restricted)
        {
            Add(failures, "hostPath volumes", Named("volume", pod.Volumes.Where(v => v["hostPath"] is not null).Select(VolumeName)));
        }

        Add(failures, "hostPort", string.Join(", ", pod.Containers.SelectMany(c => (c.Spec["ports"]?.AsArray().OfType<JsonObject>() ?? []).Where(p => Number(p["hostPort"]) is > 0).Select(p => $"container \"{c.Name}\" uses hostPort {Number(p["hostPort"])}"))));
        Add(failures, "privileged", Containers(pod.Containers.Where(c => (bool?)c.Context?["privileged"] == true), "must not set securityContext.privileged=true"));
        Add(failures, "procMount", Containers(pod.Containers.Where(c => (string?)c.Context?["procMount"] is { } mount && mount != "Default"), "must not set securityContext.procMount to \"Unmasked\""));
        if (restricted)
        {
            Add(failures, "restricted volume types", string.Join(", ", pod.Volumes.Select(v => (v, Kind: VolumeKind(v))).Where(x => x.Kind is not null && !_restrictedVolumeKinds.Contains(x.Kind)).Select(x => $"volume \"{VolumeName(x.v)}\" uses restricted volume type \"{x.Kind}\"")));
            Add(failures, "runAsNonRoot != true", RunAsNonRoot(pod));
            Add(failures, "runAsUser=0", RunAsRoot(pod));
        }

        Add(failures, "seLinuxOptions", SeLinux(pod));
        Add(failures, "seccompProfile", restricted ? RestrictedSeccomp(pod) : BaselineSeccomp(pod));
        Add(failures, "forbidden sysctls", string.Join(", ", (spec["securityContext"]?["sysctls"]?.AsArray().OfType<JsonObject>() ?? []).Select(s => (string?)s["name"] ?? "").Where(n => !_safeSysctls.Contains(n))));
        return failures;
    }

    // A pod's containers of every kind, each with its securityContext.
    private sealed record ContainerView(string Name, JsonObject Spec)
    {
        public JsonObject? Context => Spec["securityContext"] as JsonObject;
    }

    private sealed class PodView(JsonObject? metadata, JsonObject spec)
    {
        public JsonObject? Metadata { get; } = metadata;

        public JsonObject Spec { get; } = spec;

        public JsonObject? Context => Spec["securityContext"] as JsonObject;

        public List<ContainerView> Containers { get; } = [.. new[] { "initContainers", "containers", "ephemeralContainers" }
            .SelectMany(field => spec[field]?.AsArray().OfType<JsonObject>() ?? [])
            .Select(c => new ContainerView((string?)c["name"] ?? "", c))];

        public List<JsonObject> Volumes { get; } = [.. spec["volumes"]?.AsArray().OfType<JsonObject>() ?? []];
    }

    // A JSON integer however it was made: parsed (a JsonElement) or built in code (an int or a long).
    private static long? Number(JsonNode? node) => node is JsonValue value
        ? value.TryGetValue<long>(out var whole) ? whole : value.TryGetValue<int>(out var small) ? small : value.TryGetValue<double>(out var real) ? (long)real : null
        : null;

    private static void Add(List<string> failures, string title, string detail)
    {
        if (detail.Length > 0)
        {
            failures.Add($"{title} ({detail})");
        }
    }

    // `container "a" must ...` or `containers "a", "b" must ...`, as the plugin groups them.
    private static string Containers(IEnumerable<ContainerView> containers, string must)
    {
        var names = containers.Select(c => c.Name).ToList();
        return names.Count == 0 ? "" : $"{Named("container", names)} {must}";
    }

    private static string Named(string noun, IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count switch
        {
            0 => "",
            1 => $"{noun} \"{list[0]}\"",
            _ => $"{noun}s {string.Join(", ", list.Select(n => $"\"{n}\""))}",
        };
    }

    private static string VolumeName(JsonObject volume) => (string?)volume["name"] ?? "";

    private static string? VolumeKind(JsonObject volume) => volume.Select(p => p.Key).FirstOrDefault(k => k != "name");

    private static List<string> Added(ContainerView c) =>
        c.Context?["capabilities"]?["add"]?.AsArray().Select(a => (string?)a ?? "").ToList() ?? [];

    private static string BaselineCapabilities(PodView pod) =>
        string.Join(", ", pod.Containers.SelectMany(c => Added(c).Where(a => !_baselineCapabilities.Contains(a)).Select(a => $"container \"{c.Name}\" must not include \"{a}\" in securityContext.capabilities.add")));

    private static string RestrictedCapabilities(PodView pod)
    {
        var notDropping = pod.Containers.Where(c => c.Context?["capabilities"]?["drop"]?.AsArray().Any(d => (string?)d == "ALL") != true);
        var parts = new List<string>();
        if (Containers(notDropping, "must set securityContext.capabilities.drop=[\"ALL\"]") is { Length: > 0 } drop)
        {
            parts.Add(drop);
        }

        parts.AddRange(pod.Containers.SelectMany(c => Added(c).Where(a => a != "NET_BIND_SERVICE").Select(a => $"container \"{c.Name}\" must not include \"{a}\" in securityContext.capabilities.add")));
        return string.Join("; ", parts);
    }

    private static string RunAsNonRoot(PodView pod)
    {
        if ((bool?)pod.Context?["runAsNonRoot"] == false)
        {
            return "pod must not set securityContext.runAsNonRoot=false";
        }

        var podSets = (bool?)pod.Context?["runAsNonRoot"] == true;
        var explicitFalse = pod.Containers.Where(c => (bool?)c.Context?["runAsNonRoot"] == false).ToList();
        if (explicitFalse.Count > 0)
        {
            return Containers(explicitFalse, "must not set securityContext.runAsNonRoot=false");
        }

        // A container is fine when it or the pod says runAsNonRoot=true (a non-zero runAsUser is not enough).
        var unset = pod.Containers.Where(c => !podSets && (bool?)c.Context?["runAsNonRoot"] != true).ToList();
        return unset.Count == 0 ? "" : $"pod or {Containers(unset, "must set securityContext.runAsNonRoot=true")}";
    }

    private static string RunAsRoot(PodView pod)
    {
        var parts = new List<string>();
        if (Number(pod.Context?["runAsUser"]) == 0)
        {
            parts.Add("pod must not set runAsUser=0");
        }

        if (Containers(pod.Containers.Where(c => Number(c.Context?["runAsUser"]) == 0), "must not set runAsUser=0") is { Length: > 0 } containers)
        {
            parts.Add(containers);
        }

        return string.Join("; ", parts);
    }

    private static string BaselineSeccomp(PodView pod)
    {
        var parts = new List<string>();
        if ((string?)pod.Context?["seccompProfile"]?["type"] == "Unconfined")
        {
            parts.Add("pod must not set securityContext.seccompProfile.type to \"Unconfined\"");
        }

        if (Containers(pod.Containers.Where(c => (string?)c.Context?["seccompProfile"]?["type"] == "Unconfined"), "must not set securityContext.seccompProfile.type to \"Unconfined\"") is { Length: > 0 } containers)
        {
            parts.Add(containers);
        }

        return string.Join("; ", parts);
    }

    private static string RestrictedSeccomp(PodView pod)
    {
        static bool Allowed(string? type) => type is "RuntimeDefault" or "Localhost";
        var podType = (string?)pod.Context?["seccompProfile"]?["type"];
        if (podType is not null && !Allowed(podType))
        {
            return $"pod must not set securityContext.seccompProfile.type to \"{podType}\"";
        }

        var bad = pod.Containers.Where(c => (string?)c.Context?["seccompProfile"]?["type"] is { } type ? !Allowed(type) : podType is null).ToList();
        return bad.Count == 0 ? "" : $"pod or {Containers(bad, "must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")}";
    }

    private static string AppArmor(PodView pod)
    {
        var annotations = pod.Metadata?["annotations"]?.AsObject() ?? [];
        var bad = annotations
            .Where(a => a.Key.StartsWith("container.apparmor.security.beta.kubernetes.io/", StringComparison.Ordinal) && (string?)a.Value is { } value && value != "runtime/default" && !value.StartsWith("localhost/", StringComparison.Ordinal))
            .Select(a => $"{a.Key}=\"{(string?)a.Value}\"");
        var fields = pod.Containers.Where(c => (string?)c.Context?["appArmorProfile"]?["type"] == "Unconfined").Select(c => $"container \"{c.Name}\" must not set securityContext.appArmorProfile.type to \"Unconfined\"");
        return string.Join(", ", bad.Concat(fields));
    }

    private static string SeLinux(PodView pod)
    {
        static bool Bad(JsonNode? options) =>
            options is JsonObject o && ((string?)o["user"] is { Length: > 0 } || (string?)o["role"] is { Length: > 0 } || ((string?)o["type"] is { Length: > 0 } type && type is not ("container_t" or "container_init_t" or "container_kvm_t" or "container_engine_t")));
        var parts = new List<string>();
        if (Bad(pod.Context?["seLinuxOptions"]))
        {
            parts.Add("pod must not set securityContext.seLinuxOptions");
        }

        if (Containers(pod.Containers.Where(c => Bad(c.Context?["seLinuxOptions"])), "must not set securityContext.seLinuxOptions") is { Length: > 0 } containers)
        {
            parts.Add(containers);
        }

        return string.Join("; ", parts);
    }
}
