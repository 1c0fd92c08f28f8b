using MoeOperator.DevCluster.Http;

namespace MoeOperator.DevCluster.Tests.Http;

public sealed class HttpHelpersTests
{
    [Theory]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(200, "3m20s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 60 * 20, "3h20m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400 + 5 * 3600, "3d5h")]
    [InlineData(40 * 86400, "40d")]
    [InlineData(800 * 86400, "2y70d")]
    public void HumanDuration_FormatsAgesLikeKubectl(int seconds, string expected)
    {
        HumanDuration.Format(TimeSpan.FromSeconds(seconds)).ShouldBe(expected);
    }

    [Theory]
    [InlineData("application/vnd.kubernetes.protobuf,application/json", true, true)]
    [InlineData("application/vnd.kubernetes.protobuf, */*", true, true)]
    [InlineData("application/vnd.kubernetes.protobuf", true, false)]
    [InlineData("application/json, application/vnd.kubernetes.protobuf", false, true)]
    [InlineData("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json", false, true)]
    [InlineData("", false, true)]
    [InlineData("application/yaml", false, false)]
    public void AcceptedMediaTypes_ProtobufOnlyWhenListedFirst(string accept, bool prefersProtobuf, bool acceptsJson)
    {
        AcceptedMediaTypes.Of(accept).ShouldBe(new AcceptedMediaTypes(prefersProtobuf, acceptsJson));
    }

    [Theory]
    [InlineData("/api/v1/pods", "", "v1", null, "pods", null, null)]
    [InlineData("/api/v1/namespaces/ns/pods/p/log", "", "v1", "ns", "pods", "p", "log")]
    [InlineData("/api/v1/namespaces/ns", "", "v1", null, "namespaces", "ns", null)]
    [InlineData("/api/v1/namespaces/ns/status", "", "v1", null, "namespaces", "ns", "status")]
    [InlineData("/apis/moe.dev/v1alpha1/namespaces/a/epgroups/g/status", "moe.dev", "v1alpha1", "a", "epgroups", "g", "status")]
    [InlineData("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y", "apiextensions.k8s.io", "v1", null, "customresourcedefinitions", "x.y", null)]
    public void RequestInfo_ParsesResourcePaths(string path, string group, string version, string? ns, string resource, string? name, string? subresource)
    {
        RequestInfo.Parse(path).ShouldBe(new RequestInfo(group, version, ns, resource, name, subresource));
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/apis/moe.dev/v1alpha1")]
    [InlineData("/version")]
    [InlineData("/api/v1/namespaces/a/pods/p/log/extra")]
    public void RequestInfo_NonResourcePaths_AreNull(string path)
    {
        RequestInfo.Parse(path).ShouldBeNull();
    }
}
