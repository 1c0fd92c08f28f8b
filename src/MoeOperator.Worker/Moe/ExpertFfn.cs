using System.Runtime.InteropServices;
using MoeOperator.Contract;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// One expert: y = W_down (silu(W_gate x) * (W_up x)), the SwiGLU FFN of DeepSeek-V3's experts. The float32 weights
/// are the master copy (what moves between ranks); FP8 experts compute from a quantised copy of them.
/// </summary>
public sealed class ExpertFfn(int expert, Tensor gate, Tensor up, Tensor down, ExpertPrecision precision = ExpertPrecision.FP32) : IDisposable
{
    private readonly Fp8ExpertWeights? _fp8 = precision == ExpertPrecision.FP8
        ? new Fp8ExpertWeights(Floats(gate), Floats(up), Floats(down), (int)gate.shape[1], (int)gate.shape[0])
        : null;

    public int Expert { get; } = expert;

    public ExpertPrecision Precision { get; } = precision;

    /// <summary>[intermediate, hidden]</summary>
    public Tensor GateWeight { get; } = gate;

    /// <summary>[intermediate, hidden]</summary>
    public Tensor UpWeight { get; } = up;

    /// <summary>[hidden, intermediate]</summary>
    public Tensor DownWeight { get; } = down;

    /// <summary>Rows [n, hidden] in, rows [n, hidden] out.</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_fp8 is not null)
        {
            if (x.dtype != ScalarType.Float32)
            {
                throw new ArgumentException($"an FP8 expert takes float32 rows, got {x.dtype}", nameof(x));
            }

            // The kernels read the rows and write the result in the tensors' own memory: a copy through a managed
            // array cost about 10 ms for 128 rows of 7168 floats, against about 45 ms for the three GEMMs.
            var rows = (int)x.shape[0];
            var output = empty(rows, DownWeight.shape[0]);
            if (rows == 0)
            {
                return output;
            }

            using var dense = x.contiguous();
            _fp8.Forward(MemoryMarshal.Cast<byte, float>(dense.bytes), rows, MemoryMarshal.Cast<byte, float>(output.bytes));
            return output;
        }

        using var scope = NewDisposeScope();
        return SwiGlu.Forward(x, GateWeight, UpWeight, DownWeight).MoveToOuterDisposeScope();
    }

    /// <summary>The weights as bytes, to move the expert to another rank.</summary>
    public byte[] ToBytes()
    {
        // Straight from the tensors' memory, as Floats does: no element-by-element walk, no float[] in between.
        var weights = new[] { GateWeight, UpWeight, DownWeight };
        var bytes = new byte[weights.Sum(t => t.numel()) * sizeof(float)];
        var offset = 0;
        foreach (var weight in weights)
        {
            using var dense = weight.contiguous();
            dense.bytes.CopyTo(bytes.AsSpan(offset));
            offset += dense.bytes.Length;
        }

        return bytes;
    }

    // One block copy of the tensor's memory (TorchSharp's data<float>().ToArray() walks it element by element).
    private static float[] Floats(Tensor t)
    {
        using var dense = t.contiguous();
        return MemoryMarshal.Cast<byte, float>(dense.bytes).ToArray();
    }

    public static ExpertFfn FromBytes(int expert, byte[] bytes, MoeShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var floats = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        var block = shape.Intermediate * shape.Hidden;
        if (floats.Length != 3 * block)
        {
            throw new InvalidDataException($"expert {expert}: got {floats.Length} weights, expected {3 * block}");
        }

        return new ExpertFfn(
            expert,
            tensor(floats[..block], [shape.Intermediate, shape.Hidden]),
            tensor(floats[block..(2 * block)], [shape.Intermediate, shape.Hidden]),
            tensor(floats[(2 * block)..], [shape.Hidden, shape.Intermediate]),
            shape.Precision);
    }

    public void Dispose()
    {
        GateWeight.Dispose();
        UpWeight.Dispose();
        DownWeight.Dispose();
    }
}
