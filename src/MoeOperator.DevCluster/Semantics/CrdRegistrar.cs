using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MoeOperator.Api.Validation;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>Turns stored CustomResourceDefinitions into served resource types, as the apiextensions server does.</summary>
internal sealed class CrdRegistrar(ResourceCatalog catalog)
{
    public const string GroupResource = "customresourcedefinitions.apiextensions.k8s.io";

    public static string GroupResourceOf(JsonObject crd) => $"{crd["spec"]?["names"]?["plural"]}.{crd["spec"]?["group"]}";

    /// <summary>Checks the definition and sets the status conditions an established CRD has.</summary>
    public void Admit(JsonObject crd, string now, JsonObject? old = null)
    {
        var type = catalog.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        var name = (string?)crd["metadata"]?["name"] ?? "";
        var spec = crd["spec"] as JsonObject;
        var errors = new List<FieldError>();
        var group = (string?)spec?["group"];
        var plural = (string?)spec?["names"]?["plural"];
        if (string.IsNullOrEmpty(group))
        {
            errors.Add(new("spec.group", FieldErrorType.Required, null, ""));
        }

        if (string.IsNullOrEmpty(plural) || string.IsNullOrEmpty((string?)spec?["names"]?["kind"]))
        {
            errors.Add(new("spec.names", FieldErrorType.Required, null, "plural and kind are required"));
        }
        else if (name != $"{plural}.{group}")
        {
            errors.Add(new("metadata.name", FieldErrorType.Invalid, $"\"{name}\"", $"must be spec.names.plural+\".\"+spec.group"));
        }

        var versions = spec?["versions"]?.AsArray() ?? [];
        if (versions.Count(v => (bool?)v?["storage"] == true) != 1)
        {
            errors.Add(new("spec.versions", FieldErrorType.Invalid, null, "must have exactly one version marked as storage version"));
        }

        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i]?["schema"]?["openAPIV3Schema"] is null)
            {
                errors.Add(new($"spec.versions[{i}].schema.openAPIV3Schema", FieldErrorType.Required, null, "schemas are required"));
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type, name, errors);
        }

        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = spec!["names"]!.DeepClone(),
            ["storedVersions"] = new JsonArray([.. versions.Where(v => (bool?)v?["storage"] == true).Select(v => (JsonNode?)(string?)v!["name"])]),
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", TransitionTime(old, "NamesAccepted", now)),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", TransitionTime(old, "Established", now))),
        };
    }

    // A condition that stays True keeps the time it last changed; an update does not make it new.
    private static string TransitionTime(JsonObject? old, string type, string now) =>
        old?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type && (string?)c?["status"] == "True") is { } existing
            ? (string?)existing["lastTransitionTime"] ?? now
            : now;

    /// <summary>Serves every served version of the definition.</summary>
    public void Serve(JsonObject stored)
    {
        var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(stored.ToJsonString());
        var names = crd.Spec.Names;
        var types = crd.Spec.Versions.Where(v => v.Served).Select(v => new ResourceType(
            crd.Spec.Group, v.Name, names.Plural, names.Kind, crd.Spec.Scope == "Namespaced", [.. names.ShortNames ?? []],
            HasStatus: v.Subresources?.Status is not null, HasScale: v.Subresources?.Scale is not null)
        {
            Schema = SchemaNormalizer.Normalize(v.Schema.OpenAPIV3Schema),
            PrinterColumns = [.. v.AdditionalPrinterColumns ?? []],
            Categories = [.. names.Categories ?? []],
        });
        catalog.Register(GroupResourceOf(stored), types);
    }

    public void Stop(JsonObject crd) => catalog.Unregister(GroupResourceOf(crd));

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["reason"] = reason,
        ["message"] = message,
        ["lastTransitionTime"] = now,
    };
}
