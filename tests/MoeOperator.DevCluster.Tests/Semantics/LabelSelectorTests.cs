using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Tests.Semantics;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> _labels = new() { ["app"] = "worker", ["tier"] = "gpu", ["zone"] = "a" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=worker", true)]
    [InlineData("app==worker", true)]
    [InlineData("app!=worker", false)]
    [InlineData("missing!=x", true)]
    [InlineData("app=worker,tier=cpu", false)]
    [InlineData("zone in (a,b)", true)]
    [InlineData("zone in (b, c)", false)]
    [InlineData("zone notin (b,c)", true)]
    [InlineData("missing notin (b)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing", true)]
    [InlineData("app=worker,zone in (a,b),!missing", true)]
    public void Matches_FollowsKubernetesSemantics(string selector, bool expected)
    {
        LabelSelector.Parse(selector).Matches(_labels).ShouldBe(expected);
    }

    [Theory]
    [InlineData("zone in a")]
    [InlineData("=value")]
    [InlineData("a b c")]
    public void Parse_BadSyntax_Is400(string selector)
    {
        Should.Throw<ApiException>(() => LabelSelector.Parse(selector)).Code.ShouldBe(400);
    }
}
