using System.Text.RegularExpressions;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Api.Tests.Schema;

/// <summary>
/// A real API server sizes every string, list and map without a bound by its largest request (3 MB) when it
/// estimates what a CEL rule may cost, and refuses the CRD when a rule could cost more than its budget. Every string,
/// list and map of a spec is bounded, and so is every status field a rule reads.
/// </summary>
public sealed partial class CelCostBoundsTests
{
    public static TheoryData<string> KindNames => [.. Kinds.All.Select(k => k.Kind)];

    [Theory]
    [MemberData(nameof(KindNames))]
    public void EveryStringListAndMapOfTheSpec_HasABound(string kind)
    {
        var root = CrdGenerator.Build(Kinds.All.Single(k => k.Kind == kind)).Spec.Versions.Single().Schema.OpenAPIV3Schema;

        Unbounded(root.Properties["spec"], "spec").ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void EveryStatusFieldARuleReads_HasABound(string kind)
    {
        var root = CrdGenerator.Build(Kinds.All.Single(k => k.Kind == kind)).Spec.Versions.Single().Schema.OpenAPIV3Schema;
        var read = Rules(root).SelectMany(r => StatusField().Matches(r).Select(m => m.Groups[1].Value)).Distinct().ToList();

        foreach (var field in read)
        {
            Unbounded(root.Properties["status"].Properties[field], $"status.{field}").ShouldBeEmpty();
        }
    }

    [Fact]
    public void TheRuleOverDiskPaths_IsBoundedByTheListAndItsStrings()
    {
        var storage = CrdGenerator.Build(Kinds.ThreeFSCluster).Spec.Versions.Single().Schema.OpenAPIV3Schema.Properties["spec"].Properties["storage"];
        var diskPaths = storage.Properties["diskPaths"];

        storage.XKubernetesValidations.ShouldContain(r => r.Rule.Contains("exists_one", StringComparison.Ordinal), "the rule compares every pair of paths");
        diskPaths.MaxItems.ShouldBe(64);
        ((V1JSONSchemaProps)diskPaths.Items).MaxLength.ShouldBe(SchemaGenerator.DefaultMaxLength);
    }

    private static IEnumerable<string> Rules(V1JSONSchemaProps schema) =>
        (schema.XKubernetesValidations ?? []).Select(r => r.Rule)
            .Concat((schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>()).Values.SelectMany(Rules))
            .Concat(schema.Items is V1JSONSchemaProps items ? Rules(items) : []);

    private static List<string> Unbounded(V1JSONSchemaProps schema, string path)
    {
        var found = new List<string>();
        if (schema.XKubernetesIntOrString == true)
        {
            if (schema.MaxLength is null)
            {
                found.Add(path);
            }
        }
        else if (schema.Type == "string" && schema.EnumProperty is null && schema.Format is null && schema.MaxLength is null)
        {
            found.Add(path);
        }
        else if (schema.Type == "array")
        {
            if (schema.MaxItems is null)
            {
                found.Add(path);
            }

            found.AddRange(Unbounded((V1JSONSchemaProps)schema.Items, path + "[]"));
        }
        else if (schema.Type == "object")
        {
            if (schema.AdditionalProperties is V1JSONSchemaProps values)
            {
                if (schema.MaxProperties is null)
                {
                    found.Add(path);
                }

                found.AddRange(Unbounded(values, path + "{}"));
            }

            foreach (var (name, property) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
            {
                found.AddRange(Unbounded(property, $"{path}.{name}"));
            }
        }

        return found;
    }

    [GeneratedRegex(@"status\.([a-zA-Z]+)")]
    private static partial Regex StatusField();
}
