using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Parallel;

/// <summary>A tensor as bytes on the wire: dtype, rank, shape, then the contiguous data.</summary>
public static class TensorBytes
{
    public static byte[] Encode(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var dense = tensor.detach().contiguous();
        var data = dense.bytes;
        var header = 2 + (8 * dense.shape.Length);
        var bytes = new byte[header + data.Length];
        bytes[0] = (byte)dense.dtype;
        bytes[1] = (byte)dense.shape.Length;
        for (var i = 0; i < dense.shape.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(2 + (8 * i)), dense.shape[i]);
        }

        data.CopyTo(bytes.AsSpan(header));
        return bytes;
    }

    public static Tensor Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var dtype = (ScalarType)bytes[0];
        var shape = new long[bytes[1]];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = BitConverter.ToInt64(bytes, 2 + (8 * i));
        }

        var tensor = empty(shape, dtype);
        var header = 2 + (8 * shape.Length);
        if (bytes.Length - header > 0)
        {
            tensor.bytes = bytes.AsSpan(header).ToArray();
        }

        return tensor;
    }
}
