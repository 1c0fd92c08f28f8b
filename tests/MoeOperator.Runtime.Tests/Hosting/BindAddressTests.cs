using System.Net;
using MoeOperator.Runtime.Hosting;

namespace MoeOperator.Runtime.Tests.Hosting;

public sealed class BindAddressTests
{
    [Theory]
    [InlineData(":8080", "0.0.0.0:8080")]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    [InlineData("10.0.0.5:8081", "10.0.0.5:8081")]
    public void Parse_KubebuilderStyleAddresses(string text, string expected)
    {
        BindAddress.Parse(text)!.ToString().ShouldBe(expected);
    }

    [Fact]
    public void Parse_Zero_TurnsTheEndpointOff()
    {
        BindAddress.Parse("0").ShouldBeNull();
    }

    [Theory]
    [InlineData("8080")]
    [InlineData("localhost:8080")]
    [InlineData(":99999")]
    public void Parse_Malformed_SaysWhatItShouldLookLike(string text)
    {
        Should.Throw<FormatException>(() => BindAddress.Parse(text)).Message.ShouldContain(text);
    }

    [Fact]
    public void Parse_EmptyHost_ListensOnEveryInterface()
    {
        BindAddress.Parse(":9090")!.Address.ShouldBe(IPAddress.Any);
    }
}
