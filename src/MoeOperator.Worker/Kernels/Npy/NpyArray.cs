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

    /// <summary>The array as a kernel input of element type T; throws naming the input when the file holds another type.</summary>
    public NdArray<T> As<T>(string name)
        where T : unmanaged
    {
        var expected = typeof(T) == typeof(float) ? NpyType.Float32 : typeof(T) == typeof(int) ? NpyType.Int32 : typeof(T) == typeof(long) ? NpyType.Int64 : NpyType.UInt8;
        return new NdArray<T>(As<T>(name, expected), Shape);
    }

    private T[] As<T>(string name, NpyType expected) => Type == expected ? (T[])Data
        : throw new KernelInputException($"input {name} must be {NpyFile.Describe(expected)}, got {NpyFile.Describe(Type)}");
}
