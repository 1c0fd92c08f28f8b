using System.Globalization;

namespace MoeOperator.Worker.Kernels;

/// <summary>
/// A dense row-major array with its shape, as the kernels take every input: a kernel checks the whole shape against
/// its contract, so an array of the right size in the wrong layout (scales held column-major, a transposed block
/// table) is refused instead of read as something else. Make one with <see cref="NdArray.Of{T}"/>.
/// </summary>
public sealed record NdArray<T>(T[] Data, long[] Shape)
    where T : unmanaged
{
    public int Rank => Shape.Length;

    public string ShapeText() => NdArray.ShapeText(Shape);

    /// <summary>The same data seen with another shape of the same size.</summary>
    public NdArray<T> Reshape(params long[] shape) => NdArray.Of(Data, shape);
}

/// <summary>Makes <see cref="NdArray{T}"/>s, checking that the data fills the shape.</summary>
public static class NdArray
{
    /// <summary>An array of the given shape; throws when the data does not hold exactly that many elements.</summary>
    public static NdArray<T> Of<T>(T[] data, params long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (shape.Any(d => d < 0) || count != data.Length)
        {
            throw new KernelInputException($"an array of shape {ShapeText(shape)} holds {count} elements, not {data.Length}");
        }

        return new NdArray<T>(data, shape);
    }

    public static string ShapeText(IEnumerable<long> shape) => $"[{string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}]";
}
