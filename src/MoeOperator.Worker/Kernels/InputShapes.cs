namespace MoeOperator.Worker.Kernels;

/// <summary>
/// The kernels' shape contracts, checked before any pointer is passed: every error names the input as the command
/// line and the C header spell it (<c>a_scales</c>, <c>block_table</c>), the layout it must have, and both shapes.
/// </summary>
internal static class InputShapes
{
    /// <summary>Throws unless <paramref name="array"/> has exactly the shape <paramref name="expected"/>.</summary>
    public static void Require<T>(NdArray<T> array, string name, string layout, params long[] expected)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (!array.Shape.SequenceEqual(expected))
        {
            var hint = LooksTransposed(array.Shape, expected)
                ? "; it looks transposed: pass it row-major (a column-major array needs .T.contiguous() / np.ascontiguousarray(x.T))"
                : "";
            throw new KernelInputException($"{name} has shape {array.ShapeText()}, expected {layout} = {NdArray.ShapeText(expected)}{hint}");
        }
    }

    // The last two dimensions swapped (a matrix, or each matrix of a stack, held column-major), or all of them reversed.
    private static bool LooksTransposed(long[] given, long[] expected) =>
        given.Length == expected.Length && given.Length >= 2 && !given.SequenceEqual(expected)
        && (given.AsEnumerable().Reverse().SequenceEqual(expected)
            || (given.AsSpan(0, given.Length - 2).SequenceEqual(expected.AsSpan(0, expected.Length - 2)) && given[^1] == expected[^2] && given[^2] == expected[^1]));

    /// <summary>The dimensions of <paramref name="array"/>, which must have rank <paramref name="rank"/> and no empty dimension but the first.</summary>
    public static long[] Dims<T>(NdArray<T> array, string name, string layout, int rank)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.Rank != rank)
        {
            throw new KernelInputException($"{name} has shape {array.ShapeText()}, expected {layout} ({rank} dimensions)");
        }

        return array.Shape;
    }

    /// <summary>Throws unless the dimension is a positive multiple of 128 (DeepGEMM's scaling block).</summary>
    public static void MultipleOf128<T>(NdArray<T> array, string name, string layout, string dimension, long value)
        where T : unmanaged
    {
        if (value <= 0 || value % 128 != 0)
        {
            throw new KernelInputException(
                $"{name} has shape {array.ShapeText()} ({layout}): {dimension} = {value} must be a positive multiple of 128; pad it to {Math.Max(128, (value + 127) / 128 * 128)}");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is positive.</summary>
    public static void Positive<T>(NdArray<T> array, string name, string layout, string dimension, long value)
        where T : unmanaged
    {
        if (value <= 0)
        {
            throw new KernelInputException($"{name} has shape {array.ShapeText()} ({layout}): {dimension} must be positive");
        }
    }

    public static int Int(long value, string name) =>
        value is >= 0 and <= int.MaxValue ? (int)value : throw new KernelInputException($"{name} = {value} is too large for the kernels (at most {int.MaxValue})");
}
