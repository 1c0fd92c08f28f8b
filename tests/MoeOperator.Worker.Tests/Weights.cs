using MoeOperator.Worker.Moe;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests;

/// <summary>The seeded weights as float64 matrices for the reference (the generator is shared; the math is not).</summary>
internal static class Weights
{
    public static ReferenceMoe Reference(long seed, MoeShape shape)
    {
        TorchRuntime.EnsureLoaded();
        using var gate = ModelWeights.Gate(seed, shape);
        var experts = Enumerable.Range(0, shape.Experts).Select(e =>
        {
            using var ffn = ModelWeights.Expert(seed, e, shape);
            return (Matrix(ffn.GateWeight), Matrix(ffn.UpWeight), Matrix(ffn.DownWeight));
        }).ToList();
        return new ReferenceMoe(shape, Matrix(gate), experts);
    }

    public static double[,] Matrix(Tensor t)
    {
        var rows = (int)t.shape[0];
        var columns = (int)t.shape[1];
        var values = t.contiguous().data<float>().ToArray();
        var matrix = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                matrix[r, c] = values[(r * columns) + c];
            }
        }

        return matrix;
    }
}
