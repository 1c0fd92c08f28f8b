using MoeOperator.Api.V1Alpha1;
using MoeOperator.Api.Validation;
using MoeOperator.Testing;

namespace MoeOperator.Api.Tests.Validation;

/// <summary>A table of bad inputs: each must be rejected with an error that names the offending field.</summary>
public sealed class BadInputTests
{
    public static TheoryData<InvalidResourceCorpus.BadResource> Table => new(InvalidResourceCorpus.All);

    [Fact]
    public void OddMicroBatchesUnderDualPipeV_AreAccepted_AsUpstreamOnlyAsksForTwiceThePipeline()
    {
        var obj = Samples.Load("trainingjob-minimal.yaml");
        InvalidResourceCorpus.Set(obj, "spec.parallelism.schedule", "\"DualPipeV\"");
        InvalidResourceCorpus.Set(obj, "spec.parallelism.microBatches", "5");
        InvalidResourceCorpus.Set(obj, "spec.training.globalBatchSize", "10");

        var result = CustomResourceValidator.ForThisApi().Validate(obj);

        result.IsValid.ShouldBeTrue(result.Message);
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void BadInput_IsRejectedWithAMessageNamingTheField(InvalidResourceCorpus.BadResource input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var obj = input.Build();

        var result = CustomResourceValidator.ForThisApi().Validate(obj);

        result.IsValid.ShouldBeFalse($"{input} was accepted");
        var atField = result.Errors.Where(e => e.Path == input.Field).Select(e => e.ToString()).ToList();
        atField.ShouldNotBeEmpty($"{input}: no error names {input.Field}; got {result.Message}");
        (string.Join(" | ", atField) + " | " + result.Message).ShouldContain(input.Says, customMessage: $"{input}: {result.Message}");
        result.Message.ShouldContain(input.Field);
    }

    [Fact]
    public void Table_CoversEveryCrossFieldRuleMessage()
    {
        var covered = InvalidResourceCorpus.All.Select(c => c.Says).ToList();
        // Transition rules need the stored object, which one document does not have: SpecChangesTests covers them.
        foreach (var rule in ValidationRules.All.Where(r => !r.Rule.Contains("oldSelf", StringComparison.Ordinal)))
        {
            covered.ShouldContain(says => rule.Message.Contains(says, StringComparison.Ordinal), $"no bad input exercises: {rule.Message}");
        }
    }
}
