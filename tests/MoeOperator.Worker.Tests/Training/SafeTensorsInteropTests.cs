using System.Diagnostics;
using System.Text.Json.Nodes;
using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training;
using MoeOperator.Worker.Training.Checkpoints;
using MoeOperator.Worker.Training.Parallel;
using MoeOperator.Worker.Training.Pipeline;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests.Training;

/// <summary>Checkpoints are safetensors any reader of the format can open: read_safetensors.py, written from the format's description, reads them back tensor for tensor.</summary>
public sealed class SafeTensorsInteropTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("moe-safetensors-").FullName;

    [Fact]
    public void WorkerCheckpoint_ReadsBackInPython_TensorForTensor()
    {
        TorchRuntime.EnsureLoaded();
        var mesh = new InProcessMesh(1, TimeSpan.FromSeconds(30));
        using var rank = new TrainingRank(TinyTraining.Args with { DType = ScalarType.Float32 }, new TrainingTopology(1, 1, 1), PipelineVariant.OneFOneB, 1, TinyTraining.Optimizer, 3, mesh.For(0));
        var batch = TinyTraining.Batch();
        rank.Step(1, _ => new Microbatch(batch.narrow(1, 0, TinyTraining.Sequence), batch.narrow(1, 1, TinyTraining.Sequence)));
        var path = Path.Combine(_directory, CheckpointStore.ShardName(0));
        RankCheckpoint.Save(rank, path, 1);

        var read = Python(path);
        read["metadata"]!["step"]!.GetValue<string>().ShouldBe("1");
        var tensors = read["tensors"]!.AsObject();
        var expected = rank.Parameters.Concat(rank.Buffers)
            .Concat(rank.Optimizer.Moments.SelectMany(m => new[] { KeyValuePair.Create($"optimizer.exp_avg.{m.Key}", m.Value.First), KeyValuePair.Create($"optimizer.exp_avg_sq.{m.Key}", m.Value.Second) }))
            .ToList();
        tensors.Count.ShouldBe(expected.Count);
        rank.Optimizer.Moments.Count.ShouldBe(rank.Parameters.Count, "one step gives every parameter its moments");
        foreach (var (name, tensor) in expected)
        {
            var entry = tensors[name].ShouldNotBeNull($"{name} is in the file");
            entry["dtype"]!.GetValue<string>().ShouldBe("F32");
            entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ShouldBe(tensor.shape, name);
            entry["values"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ShouldBe(tensor.contiguous().data<float>().ToArray(), $"{name}: every value");
        }
    }

    [Fact]
    public void EveryDTypeAndShape_ReadsBackInPython()
    {
        TorchRuntime.EnsureLoaded();
        using var doubles = tensor(new[] { 0 / 7.0, 1 / 7.0, 2 / 7.0, 3 / 7.0, 4 / 7.0, 5 / 7.0 }, [2, 3]);
        using var longs = tensor(new long[] { -3, 0, long.MaxValue });
        using var scalar = tensor(2.5f);
        using var none = zeros(0, 4);
        var path = Path.Combine(_directory, "kinds.safetensors");
        SafeTensors.Write(path, [("doubles", doubles), ("longs", longs), ("scalar", scalar), ("none", none)], new Dictionary<string, string> { ["note"] = "x" });

        var tensors = Python(path)["tensors"]!.AsObject();
        tensors["doubles"]!["values"]!.AsArray().Select(v => v!.GetValue<double>()).ShouldBe(doubles.data<double>().ToArray());
        tensors["doubles"]!["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ShouldBe([2L, 3L]);
        tensors["longs"]!["values"]!.AsArray().Select(v => v!.GetValue<long>()).ShouldBe([-3L, 0L, long.MaxValue]);
        tensors["scalar"]!["shape"]!.AsArray().Count.ShouldBe(0);
        tensors["scalar"]!["values"]!.AsArray().Single()!.GetValue<double>().ShouldBe(2.5);
        tensors["none"]!["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ShouldBe([0L, 4L]);
    }

    private static JsonObject Python(string path)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Training", "read_safetensors.py"));
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, errors);
        return JsonNode.Parse(output)!.AsObject();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
