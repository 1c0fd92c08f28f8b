using System.Text.Json.Nodes;

namespace MoeOperator.Planning.Resources;

/// <summary>What a pod asks of a node, as the scheduler counts it.</summary>
public static class PodResources
{
    /// <summary>
    /// The pod's requests: the sum over its containers, or the largest init container's when that is more (init
    /// containers run one at a time, before the others). A container that sets only a limit requests the limit.
    /// </summary>
    public static Dictionary<string, decimal> Requests(JsonObject pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var total = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var container in Containers(pod, "containers"))
        {
            foreach (var (name, amount) in Of(container))
            {
                total[name] = total.GetValueOrDefault(name) + amount;
            }
        }

        foreach (var init in Containers(pod, "initContainers"))
        {
            foreach (var (name, amount) in Of(init))
            {
                total[name] = Math.Max(total.GetValueOrDefault(name), amount);
            }
        }

        return total;
    }

    /// <summary>Whether the pod still holds its node's resources (it has not finished).</summary>
    public static bool IsActive(JsonObject pod) => (string?)pod["status"]?["phase"] is not ("Succeeded" or "Failed");

    private static IEnumerable<JsonObject> Containers(JsonObject pod, string field) =>
        pod["spec"]?[field]?.AsArray().OfType<JsonObject>() ?? [];

    private static Dictionary<string, decimal> Of(JsonObject container)
    {
        var result = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (name, value) in container["resources"]?["limits"]?.AsObject() ?? [])
        {
            result[name] = Quantity.Parse((string?)value);
        }

        foreach (var (name, value) in container["resources"]?["requests"]?.AsObject() ?? [])
        {
            result[name] = Quantity.Parse((string?)value);
        }

        return result;
    }
}
