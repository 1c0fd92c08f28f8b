using MoeOperator.Contract.Training;
using MoeOperator.Worker.Training.Parallel;

namespace MoeOperator.Worker.Training;

/// <summary>
/// Every rank of a job as a thread of this process, over an <see cref="InProcessMesh"/>: `moe-worker train --local`,
/// the benchmarks and the tests. The first rank to fail fails the run; the others then fail on their next receive.
/// </summary>
public static class LocalTraining
{
    public static TrainingOutcome Run(TrainingConfigDocument config, ITrainingReporter reporter, TextWriter log, Func<bool> stopRequested, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var world = config.Pipeline * config.Data;
        var mesh = new InProcessMesh(world, timeout ?? TimeSpan.FromMinutes(2));
        var outcomes = new TrainingOutcome[world];
        var failures = new Exception?[world];
        var threads = Enumerable.Range(0, world).Select(rank => new Thread(() =>
        {
            try
            {
                outcomes[rank] = new TrainingLoop(config, mesh.For(rank), reporter, log, stopRequested).Run();
            }
            catch (Exception e)
            {
                failures[rank] = e;
            }
        })
        { IsBackground = true, Name = $"rank-{rank}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var failed = failures.Select((f, rank) => (f, rank)).Where(x => x.f is not null).ToList();
        if (failed.Count > 0)
        {
            // The root cause is the failure that is not a peer's timeout, when there is one.
            var root = failed.FirstOrDefault(x => x.f is not Communication.CommunicatorException);
            var (exception, rank) = root.f is null ? failed[0] : root;
            throw new InvalidOperationException($"rank {rank} failed: {exception!.Message}", exception);
        }

        return outcomes[0];
    }
}
