using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests.Tensors;

/// <summary>
/// No code of the worker, nor of its tests, hands LibTorch a Scalar nothing holds: under load a collection finalises
/// it mid-call and the process fails (HeldScalarsTests shows the failure; this finds every place it could happen).
/// </summary>
public sealed class TransientScalarsTests
{
    private static readonly TransientScalarScan _scan = new(typeof(Tensor).Assembly.Location, AppContext.BaseDirectory);

    [Fact]
    public void TheScan_FindsImplicitConversions_AndTorchSharpMembersThatMakeTheirOwn()
    {
        var found = _scan.Find(typeof(TransientScalarsTests).Assembly.Location).Where(f => f.Contains(nameof(Offenders), StringComparison.Ordinal)).ToList();

        found.ShouldContain(f => f.Contains("EqualsZero calls Scalar::op_Implicit(Int32)", StringComparison.Ordinal));
        found.ShouldContain(f => f.Contains("Doubled calls Tensor::op_Multiply(Tensor, Double)", StringComparison.Ordinal));
        found.ShouldContain(f => f.Contains("Sum calls Tensor::op_Addition(Tensor, Tensor)", StringComparison.Ordinal));
        found.ShouldNotContain(f => f.Contains("HeldSum", StringComparison.Ordinal));
    }

    [Fact]
    public void NeitherTheWorkerNorItsTests_HandLibTorchAScalarNothingHolds()
    {
        var found = _scan.Find(typeof(HeldScalars).Assembly.Location)
            .Concat(_scan.Find(typeof(TransientScalarsTests).Assembly.Location).Where(f => !f.Contains(nameof(Offenders), StringComparison.Ordinal)))
            .ToList();

        found.ShouldBeEmpty("use HeldScalars (Plus, Times, DividedBy, EqualTo, Zero, One...) or a Scalar held by `using` for the call");
    }

    /// <summary>What the scan must find; never called.</summary>
    private static class Offenders
    {
        public static Tensor EqualsZero(Tensor x) => x.eq(0);

        public static Tensor Doubled(Tensor x) => x * 2.0;

        public static Tensor Sum(Tensor a, Tensor b) => a + b;

        public static Tensor HeldSum(Tensor a, Tensor b) => a.Plus(b);
    }
}
