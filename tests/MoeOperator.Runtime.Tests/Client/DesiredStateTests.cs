using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

public sealed class DesiredStateTests
{
    private static readonly JsonObject _existing = JsonNode.Parse("""
        {"apiVersion":"v1","kind":"ConfigMap",
         "metadata":{"name":"c","uid":"u1","resourceVersion":"7","labels":{"a":"1","extra":"x"},"ownerReferences":[{"uid":"o1","name":"owner"}]},
         "data":{"k":"v","other":"w"},"status":{"phase":"Set by someone else"}}
        """)!.AsObject();

    [Theory]
    [InlineData("""{"metadata":{"name":"c","labels":{"a":"1"}},"data":{"k":"v"}}""", true)]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}""", true)]
    [InlineData("""{"metadata":{"name":"c","labels":{"a":"2"}}}""", false)]
    [InlineData("""{"data":{"k":"changed"}}""", false)]
    [InlineData("""{"data":{"missing":"v"}}""", false)]
    [InlineData("""{"metadata":{"ownerReferences":[{"uid":"o1","name":"owner"}]}}""", true)]
    [InlineData("""{"metadata":{"ownerReferences":[{"uid":"o2","name":"owner"}]}}""", false)]
    [InlineData("""{"status":{"phase":"Mine"}}""", true)]
    public void IsSatisfiedBy_ComparesOnlyTheFieldsTheBuilderSets(string desired, bool expected)
    {
        DesiredState.IsSatisfiedBy(_existing, JsonNode.Parse(desired)!.AsObject()).ShouldBe(expected);
    }
}
