using System.Text.Json.Nodes;
using k8s.Models;
using MoeOperator.Api.Validation;

namespace MoeOperator.Api.Tests.Validation;

public sealed class StructuralValidatorTests
{
    private static readonly V1JSONSchemaProps _schema = new()
    {
        Type = "object",
        Required = ["name"],
        Properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["name"] = new() { Type = "string", MaxLength = 5 },
            ["count"] = new() { Type = "integer", Minimum = 1, Maximum = 3 },
            ["size"] = new() { AnyOf = [new() { Type = "integer" }, new() { Type = "string" }], XKubernetesIntOrString = true, Pattern = "^[0-9]+(Gi)?$" },
            ["labels"] = new() { Type = "object", AdditionalProperties = new V1JSONSchemaProps { Type = "string" } },
            ["items"] = new() { Type = "array", MaxItems = 2, Items = new V1JSONSchemaProps { Type = "string", EnumProperty = ["a", "b"] } },
        },
    };

    private static List<string> Errors(string json)
    {
        var errors = new List<FieldError>();
        StructuralValidator.Validate(JsonNode.Parse(json), _schema, "spec", errors);
        return [.. errors.Select(e => e.ToString())];
    }

    [Fact]
    public void Validate_ValidObject_HasNoErrors()
    {
        Errors("""{"name":"ab","count":2,"size":"4Gi","labels":{"k":"v"},"items":["a"]}""").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_IntOrString_AcceptsBothAndChecksThePatternOfStrings()
    {
        Errors("""{"name":"a","size":4}""").ShouldBeEmpty();
        Errors("""{"name":"a","size":"4 gigs"}""").ShouldBe(["spec.size: Invalid value: \"4 gigs\": spec.size in body should match '^[0-9]+(Gi)?$'"]);
        Errors("""{"name":"a","size":true}""").ShouldBe(
        [
            "spec.size: Invalid value: \"boolean\": spec.size in body must be of type integer,string: \"boolean\"",
            "<nil>: Invalid value: \"\": \"spec.size\" must validate at least one schema (anyOf)",
            "spec.size: Invalid value: \"boolean\": spec.size in body must be of type integer: \"boolean\"",
        ]);
        Errors("""{"name":"a","size":2.5}""").ShouldContain("spec.size: Invalid value: \"number\": spec.size in body must be of type integer,string: \"number\"");
    }

    [Fact]
    public void Validate_FormatsErrorsLikeTheApiServer()
    {
        Errors("""{"count":5}""").ShouldBe(
        [
            "spec.name: Required value",
            "spec.count: Invalid value: 5: spec.count in body should be less than or equal to 3",
        ]);
        Errors("""{"name":"toolong"}""").ShouldBe(["spec.name: Too long: may not be more than 5 bytes"]);
        Errors("""{"name":"a","items":["a","c","b"]}""").ShouldBe(
        [
            "spec.items: Too many: 3: must have at most 2 items",
            "spec.items[1]: Unsupported value: \"c\": supported values: \"a\", \"b\"",
        ]);
    }

    [Fact]
    public void Validate_MapValues_ArePathedByKey()
    {
        Errors("""{"name":"a","labels":{"team":7}}""").ShouldBe(["spec.labels.team: Invalid value: \"integer\": spec.labels.team in body must be of type string: \"integer\""]);
    }

    [Theory]
    [InlineData("1e30")]
    [InlineData("18446744073709551616")]
    [InlineData("9007199254740993.5")]
    public void Validate_IntegerBeyondWhatAFloat64HoldsExactly_IsANumberAndStillRangeChecked(string json) =>
        Errors($$"""{"name":"a","count":{{json}}}""").ShouldBe(
        [
            "spec.count: Invalid value: \"number\": spec.count in body must be of type integer: \"number\"",
            $"spec.count: Invalid value: {StructuralValidator.Show(JsonNode.Parse(json))}: spec.count in body should be less than or equal to 3",
        ]);

    [Theory]
    [InlineData("3.0")]
    [InlineData("2.0000001")]
    [InlineData("9007199254740993")]
    public void Validate_WholeOrNearlyWholeNumbers_AreIntegersAsTheServerDecidesThem(string json) =>
        Errors($$"""{"name":"a","count":{{json}}}""").ShouldAllBe(e => !e.Contains("must be of type", StringComparison.Ordinal));

    [Fact]
    public void Validate_FractionForInteger_IsATypeError()
    {
        Errors("""{"name":"a","count":1.5}""").ShouldHaveSingleItem().ShouldContain("must be of type integer: \"number\"");
    }

    [Fact]
    public void Validate_UnknownField_IsReported()
    {
        Errors("""{"name":"a","colour":"red"}""").ShouldBe(["spec.colour: Unknown field: field not declared in schema"]);
    }

    [Fact]
    public void Validate_Null_IsRejectedUnlessNullable()
    {
        Errors("""{"name":null}""").ShouldHaveSingleItem().ShouldContain("spec.name in body must be of type string");
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("2.5", "2.5")]
    [InlineData("1e30", "1e+30")]
    [InlineData("1E+30", "1e+30")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("123456.5", "123456.5")]
    [InlineData("1234567.5", "1.2345675e+06")]
    [InlineData("-1.5e-7", "-1.5e-07")]
    public void Show_PrintsNumbersAsGosPercentV_WhateverTheirSpelling(string json, string shown) =>
        StructuralValidator.Show(JsonNode.Parse(json)).ShouldBe(shown);
}
