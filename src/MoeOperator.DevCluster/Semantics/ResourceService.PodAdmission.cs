using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// The admission plugins that look at pods, in the real server's order: ServiceAccount (mutating: a pod that names
/// no account runs as the namespace's default one, and an account that does not exist refuses the pod) and then
/// PodSecurity (validating: the namespace's <c>pod-security.kubernetes.io/enforce</c> level refuses a pod that
/// violates it; its <c>warn</c> level, and both levels for the pod templates of workloads, answer with warnings).
/// </summary>
public sealed partial class ResourceService
{
    private const string PodSecurityLabel = "pod-security.kubernetes.io/";

    // Must hold Store.Gate. Returns the warnings the client gets.
    private List<string> AdmitPods(ResourceType type, string? ns, string name, JsonObject obj)
    {
        if (ns is null)
        {
            return [];
        }

        if (type.GroupResource == "pods" && AdmitServiceAccounts)
        {
            AdmitServiceAccount(type, ns, name, obj);
        }

        if (PodTemplates.Of(type.GroupResource, obj) is not { } template || template["spec"] is not JsonObject spec)
        {
            return [];
        }

        var metadata = template["metadata"] as JsonObject;
        var labels = Store.Get(new ObjectKey("namespaces", "", ns))?["metadata"]?["labels"]?.AsObject();
        var warnings = new List<string>();
        if (Mode(labels, "enforce") is { } enforce && PodSecurityStandards.Violations(metadata, spec, enforce.Level) is { Count: > 0 } violations)
        {
            var text = $"PodSecurity \"{Text(enforce.Level)}:{enforce.Version}\": {string.Join(", ", violations)}";
            if (type.GroupResource == "pods")
            {
                throw ApiException.Forbidden(type, name, $"violates {text}");
            }

            // Workloads are not refused, as their pods will be: the client is told now.
            warnings.Add($"would violate {text}");
        }

        if (Mode(labels, "warn") is { } warn && PodSecurityStandards.Violations(metadata, spec, warn.Level) is { Count: > 0 } warned)
        {
            var text = $"would violate PodSecurity \"{Text(warn.Level)}:{warn.Version}\": {string.Join(", ", warned)}";
            if (!warnings.Contains(text))
            {
                warnings.Add(text);
            }
        }

        return warnings;
    }

    private void AdmitServiceAccount(ResourceType type, string ns, string name, JsonObject pod)
    {
        if (pod["metadata"]?["annotations"]?["kubernetes.io/config.mirror"] is not null || pod["spec"] is not JsonObject spec)
        {
            return;
        }

        var account = (string?)spec["serviceAccountName"] is { Length: > 0 } named ? named : (string?)spec["serviceAccount"] is { Length: > 0 } old ? old : "default";
        spec["serviceAccountName"] = account;
        spec["serviceAccount"] = account;
        if (Store.Get(new ObjectKey("serviceaccounts", ns, account)) is null)
        {
            throw ApiException.Forbidden(type, name, $"error looking up service account {ns}/{account}: serviceaccount \"{account}\" not found");
        }
    }

    // The level and version a namespace label asks for; an absent or unknown level enforces nothing.
    private static (PodSecurityLevel Level, string Version)? Mode(JsonObject? labels, string mode)
    {
        var level = PodSecurityStandards.ParseLevel((string?)labels?[PodSecurityLabel + mode]);
        if (level is null or PodSecurityLevel.Privileged)
        {
            return null;
        }

        return (level.Value, (string?)labels?[$"{PodSecurityLabel}{mode}-version"] ?? "latest");
    }

    private static string Text(PodSecurityLevel level) => level.ToString().ToLowerInvariant();
}
