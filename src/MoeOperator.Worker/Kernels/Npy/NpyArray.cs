namespace MoeOperator.Worker.Kernels.Npy;

/// <summary>The element types the kernel command reads and writes (NumPy descr in brackets).</summary>
public enum NpyType
{
    Float32, // <f4
    Int32,   // <i4
    Int64,   // <i8
    UInt8,   // |u1, FP8 e4m3 codes
}

/// <summary>A dense row-major (C order) array as stored in a .npy file.</summary>
public sealed record NpyArray(Array Data, long[] Shape, NpyType Type)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    public static NpyArray Of(float[] data, params long[] shape) => new(data, shape, NpyType.Float32);

    public static NpyArray Of(int[] data, params long[] shape) => new(data, shape, NpyType.Int32);

    public static NpyArray Of(long[] data, params long[] shape) => new(data, shape, NpyType.Int64);

    public static NpyArray Of(byte[] data, params long[] shape) => new(data, shape, NpyType.UInt8);

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    public float[] Floats(string name) => As<float>(name, NpyType.Float32);

    public int[] Ints(string name) => As<int>(name, NpyType.Int32);

    public long[] Longs(string name) => As<long>(name, NpyType.Int64);

    public byte[] Bytes(string name) => As<byte>(name, NpyType.UInt8);

    /// <summary>Throws unless the array has exactly rank dimensions; returns them as ints.</summary>
    public int[] Dims(string name, int rank, string layout)
    {
        if (Shape.Length != rank)
        {
            throw new KernelInputException($"input {name} must have shape {layout}, got {ShapeText}");
        }

        return [.. Shape.Select(d => checked((int)d))];
    }

    private T[] As<T>(string name, NpyType expected) => Type == expected ? (T[])Data
        : throw new KernelInputException($"input {name} must be {NpyFile.Describe(expected)}, got {NpyFile.Describe(Type)}");
}

/// <summary>A kernel's input file, shape or parameter is wrong; the message says which and what it must be.</summary>
public sealed class KernelInputException(string message) : Exception(message);
