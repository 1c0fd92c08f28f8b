using System.Runtime.InteropServices;

namespace MoeOperator.Worker.Kernels;

/// <summary>Facts about the loaded native library and the status check every binding uses.</summary>
public static class Native
{
    /// <summary>The C ABI version these bindings were written for (MOE_ABI_VERSION).</summary>
    public const int ExpectedAbiVersion = 1;

    /// <summary>"avx512_bf16", "avx512", "avx2+fma" or "scalar": the CPU path the library chose (MOE_CPU_PATH=avx512, avx2 or scalar caps it).</summary>
    public static string CpuPath => Marshal.PtrToStringUTF8(NativeMethods.CpuPath()) ?? "unknown";

    public static int Threads
    {
        get => NativeMethods.GetNumThreads();
        set => Check(NativeMethods.SetNumThreads(value), "moe_set_num_threads");
    }

    /// <summary>Throws when the library is missing or is not the one these bindings describe (a stale build).</summary>
    public static void EnsureCompatible()
    {
        int version;
        try
        {
            version = NativeMethods.AbiVersion();
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException(
                $"libmoe_kernels.so was not found next to moe-worker ({AppContext.BaseDirectory}): build with `dotnet build`, which builds native/ with CMake", e);
        }

        if (version != ExpectedAbiVersion)
        {
            throw new InvalidOperationException(
                $"libmoe_kernels has ABI version {version}, these bindings expect {ExpectedAbiVersion}: rebuild with `dotnet build` so native/ is rebuilt");
        }
    }

    // The message is thread-local in the library, and nothing runs between the call and this read.
    internal static void Check(int status, string kernel)
    {
        if (status != 0)
        {
            throw new KernelException(kernel, (KernelError)status, Marshal.PtrToStringUTF8(NativeMethods.LastError()) ?? "");
        }
    }
}
