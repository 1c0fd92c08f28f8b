using System.Text.Json.Nodes;
using k8s.Models;
using MoeOperator.Api.Validation;

namespace MoeOperator.Api.Tests.Validation;

public sealed class CelRuleValidatorTests
{
    private static List<FieldError> Run(string json, V1JSONSchemaProps schema)
    {
        var errors = new List<FieldError>();
        CelRuleValidator.Validate(JsonNode.Parse(json), schema, "spec", errors);
        return errors;
    }

    private static V1JSONSchemaProps Object(string rule, string? fieldPath = null, V1JSONSchemaProps? child = null) => new()
    {
        Type = "object",
        Properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["a"] = new() { Type = "integer" },
            ["ratio"] = new() { Type = "number" },
            ["child"] = child ?? new V1JSONSchemaProps { Type = "object" },
        },
        XKubernetesValidations = [new V1ValidationRule { Rule = rule, Message = "a must be even", FieldPath = fieldPath }],
    };

    [Fact]
    public void Validate_FalseRule_ReportsItsMessageAtTheFieldPath()
    {
        var error = Run("""{"a":3}""", Object("self.a % 2 == 0", ".a")).ShouldHaveSingleItem();

        error.ToString().ShouldBe("spec.a: Invalid value: \"object\": a must be even");
    }

    [Fact]
    public void Validate_TrueRule_ReportsNothing()
    {
        Run("""{"a":4}""", Object("self.a % 2 == 0")).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_NumberFieldWrittenAsWhole_IsADoubleForCel()
    {
        // 2 in a number field must compare with 1.5 as a double, as the API server types it from the schema.
        Run("""{"ratio":2}""", Object("self.ratio >= 1.5")).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_RuleOnANestedObject_SeesThatObjectAsSelf()
    {
        var child = new V1JSONSchemaProps
        {
            Type = "object",
            Properties = new Dictionary<string, V1JSONSchemaProps> { ["b"] = new() { Type = "integer" } },
            XKubernetesValidations = [new V1ValidationRule { Rule = "self.b > 0", Message = "b must be positive", FieldPath = ".b" }],
        };

        var error = Run("""{"a":2,"child":{"b":0}}""", Object("self.a % 2 == 0", child: child)).ShouldHaveSingleItem();

        error.Path.ShouldBe("spec.child.b");
    }

    [Fact]
    public void Validate_RuleThatCannotEvaluate_IsAnErrorNotACrash()
    {
        var error = Run("""{"a":2}""", Object("self.missing > 1")).ShouldHaveSingleItem();

        error.Path.ShouldBe("spec");
        error.Detail.ShouldStartWith("self.missing > 1: ");
    }
}
