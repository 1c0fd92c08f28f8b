using System.Globalization;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>The deterministic names and labels of a group's children (a crash mid-way never duplicates anything).</summary>
internal static class EPGroupNames
{
    public const string ManagedBy = ChildObjects.ManagedBy;
    public const string Operator = ChildObjects.Operator;
    public const string GroupLabel = "moe.dev/epgroup";
    public const string NodeIndexLabel = "moe.dev/node-index";

    /// <summary>Which whole-group restart a pod belongs to (0 for the first run), as JobSet's restart-attempt label.</summary>
    public const string AttemptLabel = "moe.dev/restart-attempt";
    /// <summary>The revision of the spec a pod was made for (<see cref="EPGroupBuilder.Revision"/>).</summary>
    public const string RevisionAnnotation = "moe.dev/spec-revision";
    public const string RendezvousPort = "29500";
    public const int MetricsPort = 9400;

    /// <summary>The label by which the coscheduling plugin of kubernetes-sigs/scheduler-plugins finds a pod's PodGroup.</summary>
    public const string PodGroupLabel = "scheduling.x-k8s.io/pod-group";

    /// <summary>The PodGroup an external gang scheduler places the group's pods by; it is named after the group.</summary>
    public static string PodGroup(string group) => group;

    /// <summary>The pod holding node slot <paramref name="index"/>'s ranks; its hostname too.</summary>
    public static string Pod(string group, int index) => $"{group}-{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The headless Service that gives every pod a DNS name; it is named after the group.</summary>
    public static string Service(string group) => group;

    /// <summary>The ConfigMap holding the expert map the workers load.</summary>
    public static string ExpertMap(string group) => $"{group}-expert-map";

    /// <summary>The DNS name of a group pod: &lt;pod&gt;.&lt;service&gt;.&lt;namespace&gt;.svc.</summary>
    public static string PodDns(string group, int index, string ns) => $"{Pod(group, index)}.{Service(group)}.{ns}.svc";
}
