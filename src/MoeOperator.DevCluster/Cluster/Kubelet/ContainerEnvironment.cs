using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoeOperator.Planning.Resources;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// A container's environment and command line as the kubelet computes them: envFrom, then env in order (literal
/// values with <c>$(VAR)</c> references to earlier variables, downward-API fields, ConfigMap and Secret keys), and
/// <c>$(VAR)</c> expansion in command and args. Lookups of ConfigMaps and Secrets are passed in, so this is pure.
/// </summary>
internal static partial class ContainerEnvironment
{
    /// <summary>The variables, in order; a missing ConfigMap or Secret key throws with the kubelet's message.</summary>
    public static List<KeyValuePair<string, string>> Build(
        JsonObject pod,
        JsonObject container,
        string podIp,
        string hostIp,
        Func<string, string, JsonObject?> configMap,
        Func<string, string, JsonObject?> secret)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        var ns = (string?)pod["metadata"]?["namespace"] ?? "default";
        var variables = new List<KeyValuePair<string, string>>();
        void Put(string name, string value)
        {
            variables.RemoveAll(v => v.Key == name);
            variables.Add(new(name, value));
        }

        foreach (var source in container["envFrom"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var prefix = (string?)source["prefix"] ?? "";
            var (kind, reference, lookup) = source["configMapRef"] is JsonObject cm
                ? ("configmap", cm, configMap)
                : ("secret", source["secretRef"] as JsonObject ?? [], secret);
            var found = lookup(ns, (string?)reference["name"] ?? "");
            if (found is null)
            {
                if ((bool?)reference["optional"] == true)
                {
                    continue;
                }

                throw new InvalidOperationException($"{kind} \"{reference["name"]}\" not found");
            }

            foreach (var (key, value) in Data(found, kind))
            {
                Put(prefix + key, value);
            }
        }

        foreach (var variable in container["env"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var name = (string?)variable["name"] ?? "";
            if (variable["valueFrom"] is JsonObject from)
            {
                if (ValueFrom(from, pod, container, podIp, hostIp, ns, configMap, secret) is { } resolved)
                {
                    Put(name, resolved);
                }
            }
            else
            {
                Put(name, Expand((string?)variable["value"] ?? "", variables));
            }
        }

        return variables;
    }

    /// <summary>Replaces <c>$(VAR)</c> with the variable's value; <c>$$(VAR)</c> escapes; unknown references stay as written.</summary>
    public static string Expand(string text, IReadOnlyList<KeyValuePair<string, string>> variables)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Reference().Replace(text, match =>
        {
            if (match.Value.StartsWith("$$", StringComparison.Ordinal))
            {
                return match.Value[1..];
            }

            var name = match.Groups[1].Value;
            var found = variables.LastOrDefault(v => v.Key == name);
            return found.Key is null ? match.Value : found.Value;
        });
    }

    private static IEnumerable<(string Key, string Value)> Data(JsonObject source, string kind)
    {
        foreach (var (key, value) in source["data"]?.AsObject() ?? [])
        {
            var text = (string?)value ?? "";
            yield return (key, kind == "secret" ? Encoding.UTF8.GetString(Convert.FromBase64String(text)) : text);
        }
    }

    private static string? ValueFrom(JsonObject from, JsonObject pod, JsonObject container, string podIp, string hostIp, string ns, Func<string, string, JsonObject?> configMap, Func<string, string, JsonObject?> secret)
    {
        if (from["fieldRef"] is JsonObject field)
        {
            return Field((string?)field["fieldPath"] ?? "", pod, podIp, hostIp);
        }

        if (from["resourceFieldRef"] is JsonObject resource)
        {
            var path = ((string?)resource["resource"] ?? "").Split('.', 2);
            var amount = Quantity.Parse((string?)container["resources"]?[path[0]]?[path.Length > 1 ? path[1] : ""]);
            var divisor = Quantity.Parse((string?)resource["divisor"] ?? "1");
            return Math.Ceiling(amount / (divisor == 0 ? 1 : divisor)).ToString(CultureInfo.InvariantCulture);
        }

        var (kind, reference, lookup) = from["configMapKeyRef"] is JsonObject cm ? ("configmap", cm, configMap) : ("secret", from["secretKeyRef"] as JsonObject ?? [], secret);
        var key = (string?)reference["key"] ?? "";
        var found = lookup(ns, (string?)reference["name"] ?? "");
        var value = found is null ? null : Data(found, kind).Where(d => d.Key == key).Select(d => d.Value).FirstOrDefault();
        if (value is null && (bool?)reference["optional"] != true)
        {
            throw new InvalidOperationException(found is null
                ? $"{kind} \"{reference["name"]}\" not found"
                : $"couldn't find key {key} in {(kind == "secret" ? "Secret" : "ConfigMap")} {ns}/{reference["name"]}");
        }

        return value;
    }

    private static string? Field(string path, JsonObject pod, string podIp, string hostIp)
    {
        var labelOrAnnotation = FieldKey().Match(path);
        if (labelOrAnnotation.Success)
        {
            return (string?)pod["metadata"]?[labelOrAnnotation.Groups[1].Value]?[labelOrAnnotation.Groups[2].Value] ?? "";
        }

        return path switch
        {
            "metadata.name" => (string?)pod["metadata"]?["name"],
            "metadata.namespace" => (string?)pod["metadata"]?["namespace"],
            "metadata.uid" => (string?)pod["metadata"]?["uid"],
            "spec.nodeName" => (string?)pod["spec"]?["nodeName"],
            "spec.serviceAccountName" => (string?)pod["spec"]?["serviceAccountName"] ?? "default",
            "status.podIP" or "status.podIPs" => podIp,
            "status.hostIP" or "status.hostIPs" => hostIp,
            _ => throw new InvalidOperationException($"unsupported fieldPath {path}"),
        };
    }

    [GeneratedRegex(@"\$?\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['([^']+)'\]$")]
    private static partial Regex FieldKey();
}
