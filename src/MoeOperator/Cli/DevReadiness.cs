using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.Cli;

/// <summary>
/// When a dev cluster is ready for a user: every CRD established and every node Ready (and the operator leading,
/// which <see cref="DevUp"/> checks on its own process). Until then <c>moe dev up</c> writes no kubeconfig, so a
/// script that waits for the file never applies a resource the server cannot yet validate.
/// </summary>
internal static class DevReadiness
{
    /// <summary>What is still missing, or null when the cluster is ready.</summary>
    public static string? Missing(ResourceService service, int expectedNodes)
    {
        ArgumentNullException.ThrowIfNull(service);
        var crds = service.Store.List("customresourcedefinitions.apiextensions.k8s.io", null).Items;
        var notEstablished = Kinds.All.Select(k => k.CrdName)
            .Where(name => !crds.Any(c => (string?)c["metadata"]?["name"] == name && HasCondition(c, "Established")))
            .ToList();
        if (notEstablished.Count > 0)
        {
            return $"CRDs not established: {string.Join(", ", notEstablished)}";
        }

        var nodes = service.Store.List("nodes", null).Items;
        var ready = nodes.Count(n => HasCondition(n, "Ready"));
        return ready < expectedNodes ? $"{ready} of {expectedNodes} nodes Ready" : null;
    }

    private static bool HasCondition(JsonObject obj, string type) =>
        obj["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == type && (string?)c?["status"] == "True") == true;
}
