using System.Text.Json.Nodes;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Api.Validation;

/// <summary>
/// Validates custom resources against their CRDs exactly as the API server would on create: defaults first,
/// then the structural schema, then the CEL rules. The operator, <c>moe validate</c> and the tests share it.
/// </summary>
public sealed class CustomResourceValidator
{
    private readonly Dictionary<(string ApiVersion, string Kind), V1JSONSchemaProps> _schemas = [];

    /// <summary>A validator for the given CRDs (every served version).</summary>
    public CustomResourceValidator(IEnumerable<V1CustomResourceDefinition> crds)
    {
        ArgumentNullException.ThrowIfNull(crds);
        foreach (var crd in crds)
        {
            foreach (var version in crd.Spec.Versions.Where(v => v.Served))
            {
                _schemas[($"{crd.Spec.Group}/{version.Name}", crd.Spec.Names.Kind)] = version.Schema.OpenAPIV3Schema;
            }
        }
    }

    /// <summary>A validator for this project's own kinds, from the generated CRDs.</summary>
    public static CustomResourceValidator ForThisApi() => new(Kinds.All.Select(CrdGenerator.Build));

    /// <summary>Whether apiVersion and kind name a kind this validator knows.</summary>
    public bool Knows(string? apiVersion, string? kind) => _schemas.ContainsKey((apiVersion ?? "", kind ?? ""));

    /// <summary>Validates <paramref name="obj"/>, filling in defaults in place as the server would store it.</summary>
    public ValidationResult Validate(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var apiVersion = (string?)obj["apiVersion"];
        var kind = (string?)obj["kind"] ?? "";
        var name = (string?)obj["metadata"]?["name"] ?? "";
        if (!_schemas.TryGetValue((apiVersion ?? "", kind), out var schema))
        {
            return new(kind, name, [new FieldError("kind", FieldErrorType.NotSupported, $"\"{apiVersion}/{kind}\"", $"supported kinds: {string.Join(", ", _schemas.Keys.Select(k => $"{k.ApiVersion}/{k.Kind}"))}")]);
        }

        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new("metadata.name", FieldErrorType.Required, null, "name or generateName is required"));
        }
        else
        {
            errors.AddRange(ObjectNames.Subdomain(name));
        }

        // The server validates metadata itself, so the CRD schema only covers what lies beside it.
        var body = obj.DeepClone().AsObject();
        body.Remove("metadata");
        if (SchemaPruner.Prune(body, schema) is { Count: > 0 } unknown)
        {
            var version = (apiVersion ?? "").Split('/')[^1];
            return new(kind, name, [.. unknown.Select(path => new FieldError(path, FieldErrorType.Unknown, null, "not declared in the schema; strict field validation refuses it"))])
            {
                StrictDecodingError = StrictDecoding(kind, version, unknown),
            };
        }

        SchemaDefaulter.Apply(body, schema);
        StructuralValidator.Validate(body, schema, "", errors);
        if (errors.Count == 0)
        {
            CelRuleValidator.Validate(body, schema, "", errors);
        }

        foreach (var (key, value) in body)
        {
            obj[key] = value?.DeepClone();
        }

        return new(kind, name, errors);
    }

    /// <summary>The server's answer to fields the schema does not declare, under strict field validation.</summary>
    public static string StrictDecoding(string kind, string version, IEnumerable<string> unknownPaths) =>
        $"{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {string.Join(", ", unknownPaths.Select(p => $"unknown field \"{p}\""))}";
}
