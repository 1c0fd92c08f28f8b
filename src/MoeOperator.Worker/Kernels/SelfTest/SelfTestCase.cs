namespace MoeOperator.Worker.Kernels.SelfTest;

/// <summary>One check of <c>moe-worker selftest</c>: a kernel on random inputs, a metric against the reference, and its limit.</summary>
public sealed record SelfTestCase(string Kernel, string Shape, string Metric, double Limit, Func<double> Measure);

/// <summary>The measured value of a case; passes when it is finite and at most the limit.</summary>
public sealed record SelfTestResult(SelfTestCase Case, double Value, string? Error)
{
    public bool Passed => Error is null && double.IsFinite(Value) && Value <= Case.Limit;
}
