using System.Text.Json;
using MoeOperator.Api.Schema;

namespace MoeOperator.Api.Tests.Schema;

public sealed class YamlDocumentsTests
{
    [Fact]
    public void Parse_PlainScalars_AreTypedQuotedOnesStayStrings()
    {
        var doc = YamlDocuments.Parse("""
            port: 8000
            quoted: "8000"
            ratio: 1.5
            on: true
            text: 'true'
            nothing: ~
            """).ShouldHaveSingleItem();

        doc["port"]!.GetValueKind().ShouldBe(JsonValueKind.Number);
        doc["quoted"]!.GetValueKind().ShouldBe(JsonValueKind.String);
        ((double)doc["ratio"]!).ShouldBe(1.5);
        doc["on"]!.GetValueKind().ShouldBe(JsonValueKind.True);
        doc["text"]!.GetValueKind().ShouldBe(JsonValueKind.String);
        doc["nothing"].ShouldBeNull();
    }

    [Fact]
    public void Parse_SeveralDocuments_SkipsEmptyOnes()
    {
        YamlDocuments.Parse("a: 1\n---\n---\nb: [1, 2]\n").Count.ShouldBe(2);
    }

    [Fact]
    public void YamlText_RoundTrip_KeepsStringsThatLookLikeNumbers()
    {
        var yaml = YamlText.FromJson("""{"cpu":"4","port":8000,"flag":"true","list":["1.0", 2.5]}""");

        var back = YamlDocuments.Parse(yaml).ShouldHaveSingleItem();

        back.ToJsonString().ShouldBe("""{"cpu":"4","port":8000,"flag":"true","list":["1.0",2.5]}""");
    }
}
