using TorchSharp;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tensors;

/// <summary>
/// Scalars that outlive every LibTorch call reading them. TorchSharp 0.107 turns a number given where LibTorch takes
/// a Scalar (<c>x * 0.5</c>, <c>index_add(..., 1.0)</c>, and the hidden alpha of <c>a + b</c> and <c>a.add_(b)</c>)
/// into a Scalar object that nothing references once its handle has been read, so a collection on another thread
/// may finalise it while LibTorch still reads it: a failed <c>toFloat</c> check, or a wrong value. Hot paths take
/// their Scalars from here, or hold them in a field or a <c>using</c> for as long as the call runs.
/// </summary>
public static class HeldScalars
{
    public static readonly Scalar Zero = 0L.ToScalar();

    /// <summary>1 as an integer, so it is also a valid alpha for integer tensors.</summary>
    public static readonly Scalar One = 1L.ToScalar();

    public static readonly Scalar Two = 2L.ToScalar();

    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    /// <summary>a + b, without the implicit alpha Scalar of <c>a + b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.add(b, One);
    }

    /// <summary>a += b in place, without the implicit alpha Scalar of <c>a.add_(b)</c>.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.add_(b, One);
    }

    /// <summary>a * factor, the factor's Scalar held until LibTorch has returned.</summary>
    public static Tensor Times(this Tensor a, double factor)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var scalar = factor.ToScalar();
        return a.mul(scalar);
    }

    /// <summary>a / divisor, the divisor's Scalar held until LibTorch has returned.</summary>
    public static Tensor DividedBy(this Tensor a, double divisor)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var scalar = divisor.ToScalar();
        return a.div(scalar);
    }

    /// <summary>a == value elementwise, the value's Scalar held until LibTorch has returned.</summary>
    public static Tensor EqualTo(this Tensor a, long value)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var scalar = value.ToScalar();
        return a.eq(scalar);
    }

    /// <summary>a + value, the value's Scalar held until LibTorch has returned.</summary>
    public static Tensor PlusValue(this Tensor a, double value)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var scalar = value.ToScalar();
        return a.add(scalar, One);
    }

    /// <summary>index_add with alpha 1 (the sum of rows into <paramref name="a"/> at <paramref name="index"/>).</summary>
    public static Tensor IndexAdd(this Tensor a, long dim, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.index_add(dim, index, source, One);
    }

    /// <summary>In-place index_add with alpha 1.</summary>
    public static Tensor IndexAddInPlace(this Tensor a, long dim, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.index_add_(dim, index, source, One);
    }
}
