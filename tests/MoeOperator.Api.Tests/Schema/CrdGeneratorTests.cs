using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Api.Tests.Schema;

public sealed class CrdGeneratorTests
{
    public static TheoryData<string> KindNames => [.. Kinds.All.Select(k => k.Kind)];

    private static KindInfo Kind(string name) => Kinds.All.Single(k => k.Kind == name);

    private static V1JSONSchemaProps Root(string kind) => CrdGenerator.Build(Kind(kind)).Spec.Versions.Single().Schema.OpenAPIV3Schema;

    [Theory]
    [MemberData(nameof(KindNames))]
    public void Build_EveryKind_ServesV1Alpha1WithStatusSubresourceShortNameAndCategory(string kind)
    {
        var info = Kind(kind);
        var crd = CrdGenerator.Build(info);

        crd.Metadata.Name.ShouldBe($"{info.Plural}.moe.dev");
        crd.Spec.Scope.ShouldBe("Namespaced");
        crd.Spec.Names.ShortNames.ShouldBe([info.ShortName]);
        crd.Spec.Names.Categories.ShouldBe(["moe"]);
        var version = crd.Spec.Versions.ShouldHaveSingleItem();
        version.Name.ShouldBe("v1alpha1");
        version.Storage.ShouldBeTrue();
        version.Subresources.Status.ShouldNotBeNull();
        version.AdditionalPrinterColumns.Select(c => c.Name).ShouldContain("Phase");
        version.AdditionalPrinterColumns[^1].Name.ShouldBe("Age");
    }

    [Fact]
    public void Build_ShortNames_AreTheOnesUsersType()
    {
        Kinds.All.Select(k => k.ShortName).ShouldBe(["epg", "tfs", "tj"], ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void Build_EveryPrinterColumn_PointsAtAFieldOfTheSchema(string kind)
    {
        var root = Root(kind);
        foreach (var column in CrdGenerator.Build(Kind(kind)).Spec.Versions.Single().AdditionalPrinterColumns.SkipLast(1))
        {
            var node = root;
            foreach (var part in column.JsonPath.TrimStart('.').Split('.'))
            {
                node.Properties.ShouldNotBeNull($"{column.JsonPath}: {part} is not under an object");
                node.Properties.ShouldContainKey(part, $"column {column.Name} points at {column.JsonPath}, which the schema lacks");
                node = node.Properties[part];
            }

            node.Type.ShouldBe(column.Type, $"column {column.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void Build_EveryFieldOfSpecAndStatus_HasADescription(string kind)
    {
        var root = Root(kind);
        var missing = Walk(root.Properties["spec"], "spec").Concat(Walk(root.Properties["status"], "status"))
            .Where(n => string.IsNullOrWhiteSpace(n.Schema.Description) && n.IsProperty)
            .Select(n => n.Path)
            .ToList();

        missing.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void Build_StatusSchema_HasNoDefaults(string kind)
    {
        Walk(Root(kind).Properties["status"], "status").Where(n => n.Schema.DefaultProperty is not null).Select(n => n.Path).ShouldBeEmpty();
    }

    [Fact]
    public void Build_SpecDefaults_ComeFromThePropertyInitialisers()
    {
        var spec = Root("EPGroup").Properties["spec"];

        spec.Properties["ranksPerNode"].DefaultProperty.ShouldBe(8);
        spec.Properties["transport"].DefaultProperty.ShouldBeOfType<Dictionary<string, object>>().ShouldBeEmpty();
        spec.Properties["transport"].Properties["backend"].DefaultProperty.ShouldBe("Auto");
        spec.Properties["eplb"].Properties["minImbalance"].DefaultProperty.ShouldBe(1.1);
        spec.Properties["model"].Properties["physicalExpertSlots"].DefaultProperty.ShouldBeNull();
        spec.Required.ShouldBe(["ranks", "image"], ignoreOrder: true);
    }

    [Fact]
    public void Build_ThreeFSPorts_DefaultToNonCollidingValues()
    {
        var ports = Root("ThreeFSCluster").Properties["spec"].Properties["network"].Properties["ports"].Properties;
        var defaults = ports.Values.Select(p => (int)p.DefaultProperty).ToList();

        defaults.ShouldBe([8000, 9000, 8001, 9001, 8002, 9002]);
        defaults.Distinct().Count().ShouldBe(6);
    }

    [Fact]
    public void Build_ThreeFSClusterDeletionPolicy_DefaultsToRetain()
    {
        var policy = Root("ThreeFSCluster").Properties["spec"].Properties["deletionPolicy"];

        policy.DefaultProperty.ShouldBe("Retain");
        policy.EnumProperty.ShouldBe(["Retain", "Delete"]);
    }

    [Fact]
    public void Build_EveryCrossFieldRule_IsAttachedExactlyOnce()
    {
        var attached = Kinds.All
            .SelectMany(k => Walk(Root(k.Kind), ""))
            .SelectMany(n => n.Schema.XKubernetesValidations ?? [])
            .Select(r => r.Rule)
            // Transition rules of immutable fields come from [OnChange] (SpecChangesTests), not from ValidationRules.
            .Where(r => r != "self == oldSelf" && !r.Contains("== has(oldSelf.", StringComparison.Ordinal))
            .ToList();

        attached.Count.ShouldBe(ValidationRules.All.Count);
        attached.ShouldBe(ValidationRules.All.Select(r => r.Rule), ignoreOrder: true);
    }

    [Fact]
    public void Build_EveryCrossFieldRule_CompilesAsCel()
    {
        var environment = new Cel.CelEnvironment(null, null);
        foreach (var rule in ValidationRules.All)
        {
            Should.NotThrow(() => environment.Compile(rule.Rule), rule.Rule);
        }
    }

    [Fact]
    public void Build_Conditions_AreAListMapKeyedByType()
    {
        var conditions = Root("EPGroup").Properties["status"].Properties["conditions"];

        conditions.XKubernetesListType.ShouldBe("map");
        conditions.XKubernetesListMapKeys.ShouldBe(["type"]);
        ((V1JSONSchemaProps)conditions.Items).Required.ShouldBe(["type", "status", "reason", "lastTransitionTime"], ignoreOrder: true);
    }

    [Fact]
    public void Build_Quantities_AreIntOrString()
    {
        var storage = Root("ThreeFSCluster").Properties["spec"].Properties["foundationDB"].Properties["managed"].Properties["storage"];

        storage.XKubernetesIntOrString.ShouldBe(true);
        storage.DefaultProperty.ShouldBe("10Gi");
    }

    [Fact]
    public void RenderAll_IsStableAcrossCalls()
    {
        CrdGenerator.RenderAll().ShouldBe(CrdGenerator.RenderAll());
    }

    private sealed record SchemaNode(string Path, V1JSONSchemaProps Schema, bool IsProperty);

    private static IEnumerable<SchemaNode> Walk(V1JSONSchemaProps schema, string path, bool isProperty = true)
    {
        yield return new SchemaNode(path, schema, isProperty);
        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            foreach (var node in Walk(child, $"{path}.{name}"))
            {
                yield return node;
            }
        }

        if (schema.Items is V1JSONSchemaProps items)
        {
            foreach (var node in Walk(items, path + "[]", isProperty: false))
            {
                yield return node;
            }
        }

        if (schema.AdditionalProperties is V1JSONSchemaProps values)
        {
            foreach (var node in Walk(values, path + "{}", isProperty: false))
            {
                yield return node;
            }
        }
    }
}
