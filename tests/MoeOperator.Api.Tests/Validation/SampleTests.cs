using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Api.Validation;
using MoeOperator.Contract;

namespace MoeOperator.Api.Tests.Validation;

public sealed class SampleTests
{
    public static TheoryData<string> SampleFiles => [.. Samples.FileNames];

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Sample_IsAcceptedBySchemaAndEveryCelRule(string file)
    {
        var result = CustomResourceValidator.ForThisApi().Validate(Samples.Load(file));

        result.Errors.ShouldBeEmpty(result.Message);
    }

    [Fact]
    public void Samples_IncludeAMinimalAndARealisticOnePerKind()
    {
        var files = Samples.FileNames.ToList();
        foreach (var kind in Kinds.All)
        {
            files.ShouldContain($"{kind.Singular}-minimal.yaml");
            files.Count(f => f.StartsWith(kind.Singular + "-", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(2, kind.Kind);
        }
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Sample_TypedModelDefaults_EqualTheSchemaDefaults(string file)
    {
        // The operator reads specs through the C# types; the API server stores them defaulted by the schema.
        // Both must agree, or the operator would act on values the user never sees.
        var raw = Samples.Load(file);
        var defaulted = raw.DeepClone().AsObject();
        CustomResourceValidator.ForThisApi().Validate(defaulted).IsValid.ShouldBeTrue();
        var kind = Kinds.All.Single(k => k.Kind == (string?)raw["kind"]);

        var typed = JsonSerializer.Deserialize(raw.ToJsonString(), kind.Type, ApiJson.Options)!;
        var typedSpec = JsonNode.Parse(JsonSerializer.Serialize(kind.Type.GetProperty("Spec")!.GetValue(typed), kind.SpecType, ApiJson.Options));

        JsonNode.DeepEquals(typedSpec, defaulted["spec"]).ShouldBeTrue(
            $"typed: {typedSpec!.ToJsonString()}\nschema: {defaulted["spec"]!.ToJsonString()}");
    }

    [Fact]
    public void Sample_DeserialisesIntoTheTypedModel()
    {
        var group = JsonSerializer.Deserialize<EPGroup>(Samples.Load("epgroup-ep16.yaml").ToJsonString(), ApiJson.Options)!;

        group.Metadata.Name.ShouldBe("ep16-v3");
        group.Spec.Ranks.ShouldBe(16);
        group.Spec.Transport.Backend.ShouldBe(TransportBackend.NVSHMEM);
        group.Spec.Model.PhysicalExpertSlots.ShouldBe(288);
        group.Spec.Model.ExpertPrecision.ShouldBe(ExpertPrecision.FP8);
        group.Spec.Placement.Tolerations!.ShouldHaveSingleItem().Operator.ShouldBe(TolerationOperator.Exists);
        group.Spec.Resources!.Requests!["memory"].ToString().ShouldBe("512Gi");
    }
}
