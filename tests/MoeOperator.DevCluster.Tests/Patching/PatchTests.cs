using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Patching;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Tests.Patching;

public sealed class PatchTests
{
    private static string Apply(Func<JsonNode, JsonNode?, JsonNode?> patch, string target, string body) =>
        patch(JsonNode.Parse(target)!, JsonNode.Parse(body))!.ToJsonString();

    [Theory]
    [InlineData("""{"a":1,"b":{"c":2,"d":3}}""", """{"b":{"c":null,"e":4},"f":5}""", """{"a":1,"b":{"d":3,"e":4},"f":5}""")]
    [InlineData("""{"list":[1,2,3]}""", """{"list":[4]}""", """{"list":[4]}""")]
    [InlineData("""{"a":{"b":1}}""", """{"a":"scalar"}""", """{"a":"scalar"}""")]
    public void MergePatch_FollowsRfc7386(string target, string patch, string expected)
    {
        Apply(MergePatch.Apply, target, patch).ShouldBe(expected);
    }

    [Fact]
    public void StrategicMergePatch_MergesByKeyAndUnitesFinalizers()
    {
        var result = Apply(StrategicMergePatch.Apply,
            """{"metadata":{"finalizers":["a"]},"spec":{"containers":[{"name":"x","image":"1"},{"name":"y","image":"1"}],"volumes":[{"name":"v","emptyDir":{}}]}}""",
            """{"metadata":{"finalizers":["b"]},"spec":{"containers":[{"name":"y","image":"2"},{"name":"z","image":"3"}],"volumes":[{"name":"v","$patch":"delete"}]}}""");

        result.ShouldBe("""{"metadata":{"finalizers":["a","b"]},"spec":{"containers":[{"name":"x","image":"1"},{"name":"y","image":"2"},{"name":"z","image":"3"}],"volumes":[]}}""");
    }

    [Fact]
    public void StrategicMergePatch_ServicePortsMergeByPort_ContainerPortsByContainerPort()
    {
        Apply(StrategicMergePatch.Apply, """{"ports":[{"port":80,"name":"http"},{"port":443}]}""", """{"ports":[{"port":80,"name":"web"}]}""")
            .ShouldBe("""{"ports":[{"port":80,"name":"web"},{"port":443}]}""");
        Apply(StrategicMergePatch.Apply, """{"ports":[{"containerPort":80},{"containerPort":81}]}""", """{"ports":[{"containerPort":81,"name":"m"}]}""")
            .ShouldBe("""{"ports":[{"containerPort":80},{"containerPort":81,"name":"m"}]}""");
    }

    [Fact]
    public void StrategicMergePatch_DirectivesReplaceAndDeleteFromPrimitiveList()
    {
        Apply(StrategicMergePatch.Apply, """{"spec":{"a":1,"b":2}}""", """{"spec":{"$patch":"replace","c":3}}""").ShouldBe("""{"spec":{"c":3}}""");
        Apply(StrategicMergePatch.Apply, """{"metadata":{"finalizers":["a","b","c"]}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""")
            .ShouldBe("""{"metadata":{"finalizers":["a","c"]}}""");
    }

    [Fact]
    public void StrategicMergePatch_ListWithoutAMergeKey_IsReplaced()
    {
        Apply(StrategicMergePatch.Apply, """{"args":["a","b"]}""", """{"args":["c"]}""").ShouldBe("""{"args":["c"]}""");
    }

    [Fact]
    public void JsonPatch_SupportsEveryOperation()
    {
        var result = JsonPatch.Apply(JsonNode.Parse("""{"a":{"b":1},"list":[1,2],"x/y":0}""")!, JsonNode.Parse("""
            [{"op":"add","path":"/a/c","value":2},{"op":"add","path":"/list/-","value":3},{"op":"add","path":"/list/0","value":0},
             {"op":"remove","path":"/list/1"},{"op":"replace","path":"/a/b","value":10},{"op":"move","from":"/a/c","path":"/moved"},
             {"op":"copy","from":"/moved","path":"/copied"},{"op":"test","path":"/copied","value":2},{"op":"replace","path":"/x~1y","value":1}]
            """)!.AsArray());

        result.ToJsonString().ShouldBe("""{"a":{"b":10},"list":[0,2,3],"x/y":1,"moved":2,"copied":2}""");
    }

    [Theory]
    [InlineData("""[{"op":"remove","path":"/missing"}]""")]
    [InlineData("""[{"op":"test","path":"/a","value":2}]""")]
    [InlineData("""[{"op":"replace","path":"/list/9","value":1}]""")]
    [InlineData("""[{"op":"remove","path":""}]""")]
    public void JsonPatch_FailingOperation_IsRejected(string operations)
    {
        Should.Throw<ApiException>(() => JsonPatch.Apply(JsonNode.Parse("""{"a":1,"list":[1]}""")!, JsonNode.Parse(operations)!.AsArray())).Code.ShouldBe(422);
    }
}
