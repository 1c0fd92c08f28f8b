using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Api.Validation;

namespace MoeOperator.Api.Tests.Validation;

public sealed class SchemaDefaulterTests
{
    private static readonly k8s.Models.V1JSONSchemaProps _root =
        CrdGenerator.Build(Kinds.EPGroup).Spec.Versions[0].Schema.OpenAPIV3Schema;

    [Fact]
    public void Apply_MissingObject_GetsItsNestedDefaults()
    {
        var obj = JsonNode.Parse("""{"spec":{"ranks":4,"image":"w"}}""")!;

        SchemaDefaulter.Apply(obj, _root);

        ((string?)obj["spec"]!["transport"]!["backend"]).ShouldBe("Auto");
        ((int)obj["spec"]!["transport"]!["communicationSMs"]!).ShouldBe(20);
        ((string?)obj["spec"]!["scheduling"]!["gangTimeout"]).ShouldBe("5m");
    }

    [Fact]
    public void Apply_KeepsValuesTheUserSet()
    {
        var obj = JsonNode.Parse("""{"spec":{"ranks":4,"image":"w","transport":{"backend":"TCP"}}}""")!;

        SchemaDefaulter.Apply(obj, _root);

        ((string?)obj["spec"]!["transport"]!["backend"]).ShouldBe("TCP");
        ((int)obj["spec"]!["transport"]!["communicationSMs"]!).ShouldBe(20);
        ((int)obj["spec"]!["ranks"]!).ShouldBe(4);
    }

    [Fact]
    public void Apply_OptionalFieldsWithoutDefault_StayAbsent()
    {
        var obj = JsonNode.Parse("""{"spec":{"ranks":4,"image":"w"}}""")!;

        SchemaDefaulter.Apply(obj, _root);

        obj["spec"]!["model"]!.AsObject().ContainsKey("physicalExpertSlots").ShouldBeFalse();
        obj["spec"]!.AsObject().ContainsKey("threeFS").ShouldBeFalse();
        obj.AsObject().ContainsKey("status").ShouldBeFalse();
    }
}
