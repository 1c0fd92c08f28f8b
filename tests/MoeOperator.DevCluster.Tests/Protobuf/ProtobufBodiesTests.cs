using System.Text;
using MoeOperator.DevCluster.Protobuf;

namespace MoeOperator.DevCluster.Tests.Protobuf;

public sealed class ProtobufBodiesTests
{
    // An independent writer of the protobuf wire format, to build bodies the way Go's generated marshallers do.
    private static byte[] Field(int number, byte[] payload) => [.. Varint((ulong)((number << 3) | 2)), .. Varint((ulong)payload.Length), .. payload];

    private static byte[] Field(int number, string text) => Field(number, Encoding.UTF8.GetBytes(text));

    private static byte[] VarintField(int number, ulong value) => [.. Varint((ulong)(number << 3)), .. Varint(value)];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [.. "k8s\0"u8.ToArray(), .. Field(1, [.. Field(1, apiVersion), .. Field(2, kind)]), .. Field(2, raw), .. Field(3, ""), .. Field(4, "")];

    [Fact]
    public void Decode_HelmReleaseSecret_GivesTheJsonObject()
    {
        var metadata = (byte[])[
            .. Field(1, "sh.helm.release.v1.moe.v1"), .. Field(2, ""), .. Field(3, ""),
            .. Field(11, [.. Field(1, "owner"), .. Field(2, "helm")]), .. Field(11, [.. Field(1, "status"), .. Field(2, "deployed")]),
            .. Field(8, VarintField(1, 1_700_000_000)), .. VarintField(7, 3)];
        var secret = (byte[])[.. Field(1, metadata), .. Field(2, [.. Field(1, "release"), .. Field(2, [0x01, 0xff])]), .. Field(3, "helm.sh/release.v1"), .. VarintField(5, 1)];

        var obj = ProtobufBodies.Decode(Envelope("v1", "Secret", secret));

        obj.ToJsonString().ShouldBe("""
            {"metadata":{"name":"sh.helm.release.v1.moe.v1","labels":{"owner":"helm","status":"deployed"},"creationTimestamp":"2023-11-14T22:13:20Z","generation":3},"data":{"release":"Af8="},"type":"helm.sh/release.v1","immutable":true,"apiVersion":"v1","kind":"Secret"}
            """);
    }

    [Fact]
    public void Decode_DeleteOptions_ReadsThePropagationPolicy()
    {
        var options = (byte[])[.. VarintField(1, 0), .. Field(4, "Foreground"), .. Field(2, Field(1, "uid-1"))];

        var obj = ProtobufBodies.Decode(Envelope("v1", "DeleteOptions", options));

        ((string?)obj["propagationPolicy"]).ShouldBe("Foreground");
        ((string?)obj["preconditions"]!["uid"]).ShouldBe("uid-1");
    }

    [Fact]
    public void Decode_UnknownKind_IsNotSupported()
    {
        Should.Throw<NotSupportedException>(() => ProtobufBodies.Decode(Envelope("batch/v1", "CronJob", []))).Message.ShouldContain("send JSON");
    }

    [Fact]
    public void Decode_KeepsAnExplicitFalseOfAPointerBool_AndDropsAPlainFalse()
    {
        var account = (byte[])[.. Field(1, Field(1, "robot")), .. VarintField(4, 0)];
        var pod = (byte[])[.. Field(1, Field(1, "p")), .. Field(2, [.. VarintField(11, 0), .. VarintField(21, 0)])];

        var decodedAccount = ProtobufBodies.Decode(Envelope("v1", "ServiceAccount", account));
        var decodedPod = ProtobufBodies.Decode(Envelope("v1", "Pod", pod));

        ((bool?)decodedAccount["automountServiceAccountToken"]).ShouldBe(false);
        decodedPod["spec"]!.ToJsonString().ShouldBe("""{"automountServiceAccountToken":false}""", "hostNetwork: false is Go's zero value, omitted; the *bool's false was set");
    }

    [Fact]
    public void Decode_AFieldNotDescribed_FailsNamingItsMessageAndNumber()
    {
        var container = (byte[])[.. Field(1, "web"), .. Field(99, "?")];
        var deployment = Field(2, Field(3, Field(2, Field(2, container))));

        Should.Throw<NotSupportedException>(() => ProtobufBodies.Decode(Envelope("apps/v1", "Deployment", deployment))).Message.ShouldBe("protobuf field 99 of Container is not described; send JSON");
    }

    [Fact]
    public void Decode_Deployment_ReadsNestedMessagesQuantitiesAndIntOrStrings()
    {
        var container = (byte[])[.. Field(1, "web"), .. Field(2, "nginx"), .. Field(8, Field(1, [.. Field(1, "cpu"), .. Field(2, Field(1, "500m"))])), .. Field(6, VarintField(3, 80))];
        var template = (byte[])[.. Field(1, Field(11, [.. Field(1, "app"), .. Field(2, "web")])), .. Field(2, Field(2, container))];
        var strategy = Field(2, [.. Field(1, [.. VarintField(1, 1), .. Field(3, "25%")]), .. Field(2, [.. VarintField(1, 0), .. VarintField(2, 1)])]);
        var spec = (byte[])[.. VarintField(1, 0), .. Field(3, template), .. Field(4, [.. Field(1, "RollingUpdate"), .. strategy]), .. VarintField(7, 0)];
        var deployment = (byte[])[.. Field(1, [.. Field(1, "web"), .. Field(8, VarintField(1, unchecked((ulong)-62135596800L)))]), .. Field(2, spec), .. Field(3, [])];

        var obj = ProtobufBodies.Decode(Envelope("apps/v1", "Deployment", deployment));

        obj.ToJsonString().ShouldBe("""
            {"metadata":{"name":"web"},"spec":{"replicas":0,"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx","resources":{"limits":{"cpu":"500m"}},"ports":[{"containerPort":80}]}]}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}}},"status":{},"apiVersion":"apps/v1","kind":"Deployment"}
            """);
    }

    [Fact]
    public void IsEnvelope_RecognisesOnlyTheMagicPrefix()
    {
        ProtobufBodies.IsEnvelope("k8s\0rest"u8).ShouldBeTrue();
        ProtobufBodies.IsEnvelope("{\"a\":1}"u8).ShouldBeFalse();
    }
}
