using MoeOperator.Planning.Resources;

namespace MoeOperator.Planning.Tests.Resources;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("500m", 0.5)]
    [InlineData("2", 2)]
    [InlineData("1.5", 1.5)]
    [InlineData("64Gi", 68719476736)]
    [InlineData("128Mi", 134217728)]
    [InlineData("1k", 1000)]
    [InlineData("1e3", 1000)]
    [InlineData("2E2", 200)]
    [InlineData("129M", 129000000)]
    [InlineData("", 0)]
    [InlineData("lots", 0)]
    public void Parse_ReadsKubernetesQuantities(string text, double expected) =>
        ((double)Quantity.Parse(text)).ShouldBe(expected, tolerance: 1e-9);
}
