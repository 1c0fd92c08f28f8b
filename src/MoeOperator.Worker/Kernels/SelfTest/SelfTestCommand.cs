using System.CommandLine;
using System.Globalization;

namespace MoeOperator.Worker.Kernels.SelfTest;

/// <summary><c>moe-worker selftest</c>: every kernel against its reference, as a pass/fail table; exit 1 when any fails.</summary>
internal static class SelfTestCommand
{
    public static Command Create()
    {
        var command = new Command("selftest", "Check every native kernel on random inputs against the float64 TorchSharp reference (run it on new nodes)");
        command.SetAction(_ =>
        {
            try
            {
                Native.EnsureCompatible();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"moe-worker selftest: {e.Message}");
                return 2;
            }

            return Run(Console.Out) ? 0 : 1;
        });
        return command;
    }

    public static bool Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"libmoe_kernels ABI {Native.ExpectedAbiVersion}, CPU path {Native.CpuPath}, {Native.Threads} threads");
        output.WriteLine($"{"kernel",-28} {"shape",-44} {"metric",-36} {"value",10} {"limit",8}  result");
        var results = SelfTestCases.All().Select(Measure).ToList();
        foreach (var result in results)
        {
            var value = result.Error is null ? result.Value.ToString("0.###e+0", CultureInfo.InvariantCulture) : "error";
            output.WriteLine($"{result.Case.Kernel,-28} {result.Case.Shape,-44} {result.Case.Metric,-36} {value,10} {result.Case.Limit.ToString("0.#e+0", CultureInfo.InvariantCulture),8}  {(result.Passed ? "PASS" : "FAIL")}");
            if (result.Error is not null)
            {
                output.WriteLine($"  {result.Error}");
            }
        }

        var failed = results.Count(r => !r.Passed);
        output.WriteLine(failed == 0 ? $"all {results.Count} checks passed" : $"{failed} of {results.Count} checks FAILED");
        return failed == 0;
    }

    private static SelfTestResult Measure(SelfTestCase testCase)
    {
        try
        {
            return new SelfTestResult(testCase, testCase.Measure(), null);
        }
        catch (Exception e) when (e is KernelException or ArgumentException)
        {
            return new SelfTestResult(testCase, double.NaN, e.Message);
        }
    }
}
