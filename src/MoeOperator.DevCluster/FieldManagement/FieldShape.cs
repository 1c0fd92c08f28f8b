using System.Text.Json.Nodes;
using k8s.Models;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>How a list merges and is owned: whole, by member value, or item by item through key fields.</summary>
public enum ListKind
{
    /// <summary>Replaced whole and owned as one field (x-kubernetes-list-type: atomic, the default).</summary>
    Atomic,

    /// <summary>Scalars owned one by one (x-kubernetes-list-type: set).</summary>
    Set,

    /// <summary>Objects owned one by one, named by key fields (x-kubernetes-list-type: map).</summary>
    Map,
}

/// <summary>
/// What the server's schema says about one node of an object, as far as field ownership needs it: how a list
/// merges, which fields key its items, whether an object is replaced whole.
/// </summary>
public abstract class FieldShape
{
    /// <summary>The shape of a field of this object.</summary>
    public abstract FieldShape Field(string name);

    /// <summary>The shape of this list's items.</summary>
    public abstract FieldShape Item { get; }

    /// <summary>How this list merges.</summary>
    public abstract ListKind ListKind { get; }

    /// <summary>The key fields of one item of this list (a Map list).</summary>
    public abstract IReadOnlyList<string> KeysOf(JsonObject item);

    /// <summary>Values the schema defaults key fields to, used when an item omits them.</summary>
    public virtual IReadOnlyDictionary<string, JsonNode> KeyDefaults { get; } = new Dictionary<string, JsonNode>();

    /// <summary>Whether this object is replaced whole and owned as one field (x-kubernetes-map-type: atomic).</summary>
    public abstract bool AtomicObject { get; }

    /// <summary>
    /// Whether the real server's typed objects always carry this object (a Go struct field that is not a pointer),
    /// so it is never reported as added and never owned as a field of its own.
    /// </summary>
    public virtual bool AlwaysPresent => false;

    /// <summary>The shape of a kind's objects: its CRD schema, or the built-in table.</summary>
    public static FieldShape For(V1JSONSchemaProps? customSchema) =>
        customSchema is null ? new BuiltinFieldShape(null) : new SchemaFieldShape(customSchema, root: true);
}

/// <summary>
/// The built-in kinds' list types and atomic structs (the <c>+listType</c>, <c>+listMapKey</c>, <c>+mapType</c> and
/// <c>+structType</c> markers of Kubernetes' Go types), by field name: the fields the server's users write.
/// A list not named here is atomic, as in the real schema for lists without markers.
/// </summary>
internal sealed class BuiltinFieldShape(string? name) : FieldShape
{
    private static readonly Dictionary<string, string[]> _listKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = ["name"],
        ["initContainers"] = ["name"],
        ["ephemeralContainers"] = ["name"],
        ["env"] = ["name"],
        ["volumes"] = ["name"],
        ["volumeMounts"] = ["mountPath"],
        ["volumeDevices"] = ["devicePath"],
        ["imagePullSecrets"] = ["name"],
        ["conditions"] = ["type"],
        ["ownerReferences"] = ["uid"],
        ["hostAliases"] = ["ip"],
        ["topologySpreadConstraints"] = ["topologyKey", "whenUnsatisfiable"],
        ["resourceClaims"] = ["name"],
        ["readinessGates"] = ["conditionType"],
        ["containerStatuses"] = ["name"],
        ["initContainerStatuses"] = ["name"],
        ["ephemeralContainerStatuses"] = ["name"],
        ["podIPs"] = ["ip"],
        ["hostIPs"] = ["ip"],
        ["ports"] = ["port", "protocol"],
    };

    private static readonly HashSet<string> _setLists = new(StringComparer.Ordinal) { "finalizers" };

    // LabelSelector and NodeSelector are +structType=atomic; Service.spec.selector and Pod.spec.nodeSelector are
    // +mapType=atomic.
    private static readonly HashSet<string> _atomicObjects = new(StringComparer.Ordinal)
    {
        "selector", "nodeSelector", "labelSelector", "namespaceSelector", "requiredDuringSchedulingIgnoredDuringExecution",
    };

    private static readonly HashSet<string> _structFields = new(StringComparer.Ordinal)
    {
        "metadata", "spec", "status", "template", "strategy", "updateStrategy",
    };

    private static readonly Dictionary<string, JsonNode> _keyDefaults = new(StringComparer.Ordinal) { ["protocol"] = "TCP" };

    public override FieldShape Field(string fieldName) => new BuiltinFieldShape(fieldName);

    public override FieldShape Item => new BuiltinFieldShape(null);

    public override ListKind ListKind =>
        name is not null && _listKeys.ContainsKey(name) ? ListKind.Map : name is not null && _setLists.Contains(name) ? ListKind.Set : ListKind.Atomic;

    // A container's ports are keyed by containerPort and protocol, a Service's by port and protocol.
    public override IReadOnlyList<string> KeysOf(JsonObject item) =>
        name == "ports" && item.ContainsKey("containerPort") ? ["containerPort", "protocol"] : _listKeys.GetValueOrDefault(name ?? "", []);

    public override IReadOnlyDictionary<string, JsonNode> KeyDefaults => _keyDefaults;

    public override bool AtomicObject => name is not null && _atomicObjects.Contains(name);

    public override bool AlwaysPresent => name is not null && _structFields.Contains(name);
}

/// <summary>
/// A custom resource's structural schema; its metadata follows the built-in table. Custom resources are unstructured
/// on the real server too, so none of their objects is always present.
/// </summary>
internal sealed class SchemaFieldShape(V1JSONSchemaProps? schema, bool root = false) : FieldShape
{
    public override FieldShape Field(string name)
    {
        if (root && name == "metadata")
        {
            return new BuiltinFieldShape("metadata");
        }

        var child = (schema?.Properties is { } properties && properties.TryGetValue(name, out var declared) ? declared : null) ?? schema?.AdditionalProperties as V1JSONSchemaProps;
        return new SchemaFieldShape(child);
    }

    public override FieldShape Item => new SchemaFieldShape(schema?.Items as V1JSONSchemaProps);

    public override ListKind ListKind => schema?.XKubernetesListType switch
    {
        "map" => ListKind.Map,
        "set" => ListKind.Set,
        _ => ListKind.Atomic,
    };

    public override IReadOnlyList<string> KeysOf(JsonObject item) => schema?.XKubernetesListMapKeys?.ToArray() ?? [];

    public override bool AtomicObject => schema?.XKubernetesMapType == "atomic";
}
