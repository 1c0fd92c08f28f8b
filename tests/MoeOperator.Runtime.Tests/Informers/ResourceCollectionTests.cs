using MoeOperator.Runtime.Informers;

namespace MoeOperator.Runtime.Tests.Informers;

public sealed class ResourceCollectionTests
{
    [Fact]
    public void PathIn_FollowsTheApiLayout()
    {
        var pods = new ResourceCollection("/api/v1", "pods", Namespaced: true);
        var nodes = new ResourceCollection("/api/v1", "nodes", Namespaced: false);

        pods.PathIn("team-a").ShouldBe("/api/v1/namespaces/team-a/pods");
        pods.PathIn(null).ShouldBe("/api/v1/pods");
        nodes.PathIn("team-a").ShouldBe("/api/v1/nodes", "cluster-scoped kinds have no namespace in their path");
    }
}
