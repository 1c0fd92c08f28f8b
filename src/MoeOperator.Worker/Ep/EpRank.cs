using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using MoeOperator.Worker.Communication;
using MoeOperator.Worker.Moe;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Ep;

/// <summary>
/// One rank's benchmark loop. At every step boundary rank 0 offers the expert map it reads and all ranks switch
/// together (moving expert weights) when its version changed; then the rank routes a batch of skewed tokens through
/// the layer and records metrics and load.
/// </summary>
public sealed class EpRank(EpSettings settings, EpRunOptions options, int rank, WorkerMetrics metrics, LoadLedger ledger, ExpertMapSource? mapSource, TextWriter log)
{
    /// <summary>Set once the first step has completed: the rank has met its group and computes.</summary>
    public bool Ready { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var shape = settings.Shape;
        var communicatorOptions = new CommunicatorOptions(rank, settings.WorldSize, settings.MasterAddress, settings.MasterPort, settings.PodAddress) { Attempt = settings.Attempt };
        await using var communicator = await TcpCommunicator.ConnectAsync(communicatorOptions, cancellationToken);
        await log.WriteLineAsync($"ep: rank {rank} connected to all {settings.WorldSize} ranks");
        using var gateWeight = ModelWeights.Gate(options.Seed, shape);
        using var bias = ZipfSkew.Bias(shape.Experts, options.Skew);
        using var experts = new ExpertStore(rank, shape);
        var gate = new GroupLimitedGate(gateWeight, shape);
        var layer = new MoeLayer(shape, gate, experts, communicator);
        using var generator = new Generator((ulong)options.Seed * 104_729UL + (ulong)rank);
        var tokens = Math.Min(options.TokensPerStep, settings.MaxTokensPerRank);

        for (var step = 0; options.Steps == 0 || step < options.Steps; step++)
        {
            await AgreeOnMapAsync(communicator, experts, cancellationToken);
            using var x = randn(tokens, shape.Hidden, ScalarType.Float32, generator: generator);
            var clock = Stopwatch.StartNew();
            var result = await layer.ForwardAsync(x, bias, cancellationToken);
            metrics.Step(rank, tokens, clock.Elapsed, result, rank * experts.Map.SlotsPerRank);
            ledger.Add(experts.Map.Version, result.RoutedPerExpert);
            if (step == 0 && options.DumpDirectory is { } dump)
            {
                Dump(dump, x, result);
            }

            Ready = true;
            if (options.StepPause > TimeSpan.Zero)
            {
                await Task.Delay(options.StepPause, cancellationToken);
            }
        }

        await communicator.BarrierAsync(cancellationToken);
    }

    private async Task AgreeOnMapAsync(TcpCommunicator communicator, ExpertStore experts, CancellationToken cancellationToken)
    {
        var offer = Array.Empty<byte>();
        if (rank == 0 && mapSource!.Current() is var map && (map.Version != experts.Map.Version || experts.Map.Slots == 0))
        {
            offer = Encoding.UTF8.GetBytes(map.ToJson());
        }

        var agreed = await communicator.BroadcastAsync(offer, 0, cancellationToken);
        if (agreed.Length == 0)
        {
            return;
        }

        var next = ExpertMap.Parse(Encoding.UTF8.GetString(agreed), settings.Shape.Experts, settings.WorldSize, settings.PhysicalSlots);
        if (experts.Map.Slots == 0)
        {
            experts.Initialise(next, e => ModelWeights.Expert(options.Seed, e, settings.Shape));
            metrics.MapChanged(rank, next.Version, 0);
            return;
        }

        await experts.SwitchAsync(next, communicator, cancellationToken);
        metrics.MapChanged(rank, next.Version, experts.LastMoveBytes);
        await log.WriteLineAsync($"ep: rank {rank} switched to expert map version {next.Version} ({experts.LastMoveBytes} bytes of expert weights moved)");
    }

    /// <summary>rank-R.tokens.f32 and rank-R.output.f32: raw little-endian float32, [tokens, hidden].</summary>
    private void Dump(string directory, Tensor x, MoeStepResult result)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, $"rank-{rank}.tokens.f32"), MemoryMarshal.AsBytes(x.contiguous().data<float>().ToArray().AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(directory, $"rank-{rank}.output.f32"), MemoryMarshal.AsBytes(result.Output.AsSpan()).ToArray());
    }
}
