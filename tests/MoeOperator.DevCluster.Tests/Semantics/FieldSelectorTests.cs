using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Tests.Semantics;

public sealed class FieldSelectorTests
{
    private static readonly JsonObject _pod = JsonNode.Parse("""
        {"metadata":{"name":"rank-0","namespace":"ep"},"spec":{"nodeName":"node-1"},"status":{"phase":"Running"}}
        """)!.AsObject();

    [Theory]
    [InlineData("metadata.name=rank-0", true)]
    [InlineData("metadata.name==rank-0", true)]
    [InlineData("metadata.name!=rank-0", false)]
    [InlineData("spec.nodeName=node-1,status.phase=Running", true)]
    [InlineData("status.phase!=Running", false)]
    [InlineData("spec.nodeName=", false)]
    [InlineData("spec.schedulerName=", true)]
    public void Matches_ReadsDottedPaths(string selector, bool expected)
    {
        FieldSelector.Parse(selector).Matches(_pod).ShouldBe(expected);
    }

    [Fact]
    public void Parse_WithoutAnOperator_Is400()
    {
        Should.Throw<ApiException>(() => FieldSelector.Parse("metadata.name")).Code.ShouldBe(400);
    }
}
