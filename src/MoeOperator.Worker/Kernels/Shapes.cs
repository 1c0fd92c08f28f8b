namespace MoeOperator.Worker.Kernels;

/// <summary>Argument checks on the managed side, so a wrong buffer size fails with the parameter's name before any pointer is passed.</summary>
internal static class Shapes
{
    public static void Positive(long value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive");
        }
    }

    public static void MultipleOf128(long value, string name)
    {
        if (value % 128 != 0)
        {
            throw new ArgumentException($"{name} must be a multiple of 128, got {value}: pad it to {(value + 127) / 128 * 128}", name);
        }
    }

    public static void Length<T>(ReadOnlySpan<T> span, long expected, string name, string shape)
    {
        if (span.Length != expected)
        {
            throw new ArgumentException($"{name} has {span.Length} elements but its shape {shape} needs {expected}", name);
        }
    }
}
