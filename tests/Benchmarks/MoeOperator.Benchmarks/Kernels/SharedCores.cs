using System.Runtime.InteropServices;
using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Benchmarks.Kernels;

/// <summary>How a benchmark that runs LibTorch and the native kernels in one process gives each side every core.</summary>
internal static partial class SharedCores
{
    /// <summary>
    /// LibTorch's OpenMP threads spin after each call by default, stealing the cores from whatever runs next (the
    /// native kernel); sleeping waiters make the two take turns fairly. Set in the C environment before LibTorch
    /// starts its threads: .NET's Environment.SetEnvironmentVariable does not reach native code.
    /// </summary>
    public static void Prepare()
    {
        _ = SetEnv("OMP_WAIT_POLICY", "PASSIVE", 1);
        _ = SetEnv("KMP_BLOCKTIME", "0", 1);
        TorchRuntime.EnsureLoaded();
        set_num_threads(Environment.ProcessorCount);
        Native.Threads = Environment.ProcessorCount;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
