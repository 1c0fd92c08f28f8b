namespace MoeOperator.Worker.Kernels;

/// <summary>The status codes of the native library (moe_status).</summary>
public enum KernelError
{
    None = 0,
    NullPointer = 1,
    Shape = 2,
    Alignment = 3,
    Index = 4,
    Unsupported = 5,
    Internal = 6,
}

/// <summary>A native kernel refused its arguments or failed; the message is the library's, naming the argument.</summary>
public sealed class KernelException(string kernel, KernelError error, string message)
    : Exception($"{kernel}: {message} ({error})")
{
    public string Kernel { get; } = kernel;

    public KernelError Error { get; } = error;
}
