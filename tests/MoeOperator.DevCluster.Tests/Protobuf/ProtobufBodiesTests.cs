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
            {"metadata":{"name":"sh.helm.release.v1.moe.v1","generateName":"","namespace":"","labels":{"owner":"helm","status":"deployed"},"creationTimestamp":"2023-11-14T22:13:20Z","generation":3},"data":{"release":"Af8="},"type":"helm.sh/release.v1","immutable":true,"apiVersion":"v1","kind":"Secret"}
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
        Should.Throw<NotSupportedException>(() => ProtobufBodies.Decode(Envelope("apps/v1", "Deployment", []))).Message.ShouldContain("send JSON");
    }

    [Fact]
    public void IsEnvelope_RecognisesOnlyTheMagicPrefix()
    {
        ProtobufBodies.IsEnvelope("k8s\0rest"u8).ShouldBeTrue();
        ProtobufBodies.IsEnvelope("{\"a\":1}"u8).ShouldBeFalse();
    }
}
