using MoeOperator.DevCluster.Cluster.Kubelet;

namespace MoeOperator.DevCluster.Tests.Cluster;

public sealed class PodAddressesTests
{
    [Fact]
    public void TwoAllocators_NeverHandOutTheSameAddress_AndAReleasedAddressIsFreeAgain()
    {
        using var first = new PodAddresses(first: 254 * 256 * 15);
        using var second = new PodAddresses(first: 254 * 256 * 15);

        var a = first.For("pod-a");
        var b = second.For("pod-b");

        a.ShouldNotBe(b, "the second cluster skips the address the first one claimed");
        first.For("pod-a").ShouldBe(a, "a pod keeps its address");
        PodAddresses.TryClaim(a).ShouldBeNull();
        first.Release("pod-a");
        using var again = PodAddresses.TryClaim(a);
        again.ShouldNotBeNull();
    }
}
