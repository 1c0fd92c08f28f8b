using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoeOperator.Worker.Training.Data;
using Xunit.Abstractions;

namespace MoeOperator.Tests.Controllers.TrainingJobs;

/// <summary>
/// TrainingJobs whose ranks run the real moe-worker on the dev cluster: the minimal sample (DualPipe, pipeline 2 x
/// data 2, expert 2) trains to completion with a falling loss; a killed rank restarts every rank from the last
/// verified checkpoint and the run trains exactly the samples of an uninterrupted one; suspend checkpoints and
/// resume continues from there; a damaged checkpoint is skipped with an event.
/// </summary>
public sealed partial class TrainingJobWorkerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ns = "train";
    private static readonly TimeSpan _limit = TimeSpan.FromMinutes(4);
    private TrainingJobCluster _tj = null!;

    public async Task InitializeAsync() => _tj = await TrainingJobCluster.StartAsync(Ns);

    public async Task DisposeAsync() => await _tj.DisposeAsync();

    [Fact]
    public async Task TheSample_TrainsToCompletion_OnShardsFromMoeDataPrepare_WithFallingLoss_AndReportsProgressAndItsCheckpoint()
    {
        // The data: text tokenized by `moe data prepare` into the claim the job reads (the dev kubelet's directory of it).
        var job = await _tj.SampleAsync("tj", steps: 20, interval: 10);
        var text = Path.Combine(_tj.ClaimDirectory("tj") + "-text", "corpus.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(text)!);
        await File.WriteAllTextAsync(text, string.Concat(Enumerable.Range(0, 400).Select(i => $"the quick brown fox {i % 9} jumps over the lazy dog. ")));
        var (console, errors) = (new StringWriter(), new StringWriter());
        MoeOperator.Cli.DataCommand.Prepare(text, Path.Combine(_tj.ClaimDirectory("tj"), "tokens"), "bytes", 4096, console, errors).ShouldBe(0, errors.ToString());
        job["spec"]!["data"] = new JsonObject { ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = "tj", ["path"] = "/tokens" } };
        await _tj.CreateAsync(job);

        var status = await _tj.WaitForStatusAsync("tj", s => (string?)s?["phase"] == "Succeeded", "the job to succeed", _limit);

        ((long?)status["step"]).ShouldBe(20);
        ((long?)status["totalSteps"]).ShouldBe(20);
        ((long?)status["samplesConsumed"]).ShouldBe(20 * 8);
        ((double?)status["tokensPerSecond"]).ShouldNotBeNull().ShouldBeGreaterThan(0);
        ((double?)status["expertImbalance"]).ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(1);
        ((double?)status["expectedBubbleRatio"]).ShouldBe(0, "DualPipe at pipeline 2 leaves no bubble: (PP/2-1)(F&B+B-3W) = 0, as `moe plan dualpipe --pp 2 --chunks 4` says");
        ((double?)status["measuredBubbleRatio"]).ShouldNotBeNull().ShouldBeInRange(0, 1);
        var checkpoint = status["lastVerifiedCheckpoint"]!;
        ((long?)checkpoint["step"]).ShouldBe(20);
        ((string?)checkpoint["digest"]).ShouldNotBeNull().ShouldMatch("^[0-9a-f]{64}$");
        ((long?)checkpoint["sizeBytes"]).ShouldBe(Directory.GetFiles(Path.Combine(_tj.ClaimDirectory("tj"), "step-20"), "*.safetensors").Sum(f => new FileInfo(f).Length), "the size is the shards' on disk");
        ((double?)checkpoint["durationSeconds"]).ShouldNotBeNull().ShouldBeGreaterThan(0);
        status["expertImbalanceByLayer"]!.AsArray().Select(l => (int?)l!["layer"]).ShouldBe([1, 2, 3], "every MoE layer of the sample (layer 0 is dense), from whichever rank holds it");
        Directory.Exists(Path.Combine(_tj.ClaimDirectory("tj"), "step-20")).ShouldBeTrue();
        Directory.Exists(Path.Combine(_tj.ClaimDirectory("tj"), "step-10")).ShouldBeTrue();

        var losses = Losses(await _tj.LogAsync("tj-0"));
        output.WriteLine($"losses: {string.Join(", ", losses.Select(l => l.ToString("0.###", CultureInfo.InvariantCulture)))}");
        losses.Count.ShouldBe(20);
        losses.TakeLast(3).Average().ShouldBeLessThan(losses.Take(3).Average() * 0.8, "the loss falls");
        var events = await _tj.EventsOnceAsync("tj", "Completed");
        events.ShouldContain(e => (string?)e["reason"] == "Checkpointed" && ((string?)e["note"] ?? "").StartsWith("step 20 checkpointed to ", StringComparison.Ordinal));
        (await _tj.PodsAsync("tj")).ShouldAllBe(p => p["metadata"]!["finalizers"] == null || p["metadata"]!["finalizers"]!.AsArray().Count == 0, "rank 0 is let go once its last report is read");
    }

    [Fact]
    public async Task KillingOneRank_RestartsEveryRankFromTheLastVerifiedCheckpoint_AndTheSamplesAreAnUninterruptedRunsEachExactlyOnce()
    {
        var job = await _tj.SampleAsync("killed", steps: 30, interval: 5);
        job["metadata"]!["annotations"] = new JsonObject { ["moe.dev/audit-samples"] = "true" };
        await _tj.CreateAsync(job);
        await _tj.WaitForStatusAsync("killed", s => (long?)s?["lastVerifiedCheckpoint"]?["step"] >= 10, "a checkpoint at step 10", _limit);
        var firstPods = (await _tj.PodsAsync("killed")).Select(p => (string?)p["metadata"]!["uid"]).ToHashSet();

        _tj.Dev.Cluster.KillContainer(Ns, "killed-1").ShouldBeTrue();

        var status = await _tj.WaitForStatusAsync("killed", s => (string?)s?["phase"] == "Succeeded", "the restarted job to succeed", _limit);
        var history = string.Join("\n", (await _tj.EventsAsync("killed")).Select(e => $"{e["reason"]}: {e["note"]}"));
        output.WriteLine(history);
        ((int?)status["restarts"]).ShouldBe(1, $"one killed rank costs one restart; events:\n{history}");
        var failure = status["lastFailure"]!;
        ((string?)failure["pod"]).ShouldStartWith("killed-");
        ((string?)failure["node"]).ShouldNotBeNullOrEmpty();
        ((long?)status["resumedFrom"]?["step"]).ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(10);
        (await _tj.PodsAsync("killed")).ShouldAllBe(p => !firstPods.Contains((string?)p["metadata"]!["uid"]), "every rank was replaced");

        // Each data rank logs the samples it trained per step; the last attempt at a step is the one kept.
        var samples = Path.Combine(_tj.ClaimDirectory("killed"), "samples");
        var plan = new BatchPlan(8, 2, 4);
        var order = new SampleOrder(100000, 42);
        for (var data = 0; data < 2; data++)
        {
            var byStep = new SortedDictionary<long, long[]>();
            foreach (var line in File.ReadAllLines(Path.Combine(samples, $"samples-data-{data}.log")))
            {
                var parts = line.Split(' ').Select(long.Parse).ToArray();
                byStep[parts[0]] = parts[1..];
            }

            byStep.Keys.ShouldBe(Enumerable.Range(1, 30).Select(s => (long)s));
            foreach (var (step, ids) in byStep)
            {
                var expected = Enumerable.Range(0, 4).SelectMany(j => plan.Positions(step, data, j)).Select(order.At).ToArray();
                ids.ShouldBe(expected, $"data rank {data}, step {step}");
            }
        }

        var all = Enumerable.Range(1, 30).SelectMany(step => Enumerable.Range(0, 2).SelectMany(d => Enumerable.Range(0, 4).SelectMany(j => plan.Positions(step, d, j)))).Select(order.At).ToList();
        all.Distinct().Count().ShouldBe(all.Count, "every sample is trained once");
    }

    [Fact]
    public async Task Suspend_CheckpointsAndRemovesThePods_AndResumeContinuesFromThatCheckpoint()
    {
        await _tj.CreateAsync(await _tj.SampleAsync("pausing", steps: 200, interval: 1000));
        await _tj.WaitForStatusAsync("pausing", s => (long?)s?["step"] >= 3, "step 3", _limit);

        await _tj.PatchSpecAsync("pausing", new JsonObject { ["suspend"] = true });
        var suspended = await _tj.WaitForStatusAsync("pausing", s => (string?)s?["phase"] == "Suspended", "the job to be suspended", _limit);
        (await _tj.PodsAsync("pausing")).ShouldBeEmpty("a suspended job holds no pods");
        var conditions = suspended["conditions"]!.AsArray();
        conditions.ShouldContain(c => (string?)c!["type"] == "CheckpointedForSuspend" && (string?)c["status"] == "True");
        var at = (long)suspended["lastVerifiedCheckpoint"]!["step"]!;
        at.ShouldBe((long)suspended["step"]!, "the suspend checkpoint is of the last step done");
        at.ShouldBeLessThan(200);

        await _tj.PatchSpecAsync("pausing", new JsonObject { ["suspend"] = false });
        var resumed = await _tj.WaitForStatusAsync("pausing", s => (long?)s?["resumedFrom"]?["step"] is not null && (string?)s?["phase"] == "Running", "the job to resume", _limit);
        ((long)resumed["resumedFrom"]!["step"]!).ShouldBe(at);
        (await _tj.LogAsync("pausing-0")).ShouldContain($"resuming after step {at} ");
        ((int?)resumed["restarts"]).ShouldBe(0, "a suspend is not a failure");
    }

    [Fact]
    public async Task ADamagedCheckpoint_IsSkippedForThePreviousOne_WithAnEvent_AndANewJobAdoptsTheDirectory()
    {
        await _tj.CreateAsync(await _tj.SampleAsync("first", steps: 10, interval: 5, claim: "shared"));
        await _tj.WaitForStatusAsync("first", s => (string?)s?["phase"] == "Succeeded", "the first job to succeed", _limit);
        var shard = Path.Combine(_tj.ClaimDirectory("shared"), "step-10", "rank-00002.safetensors");
        var bytes = await File.ReadAllBytesAsync(shard);
        bytes[^8] ^= 0x5A;
        await File.WriteAllBytesAsync(shard, bytes);

        await _tj.CreateAsync(await _tj.SampleAsync("second", steps: 12, interval: 5, claim: "shared"));
        var status = await _tj.WaitForStatusAsync("second", s => (string?)s?["phase"] == "Succeeded", "the second job to succeed", _limit);

        ((long?)status["resumedFrom"]?["step"]).ShouldBe(5, "step-10 has a damaged shard, so step-5 is the newest verified checkpoint");
        var skipped = (await _tj.EventsAsync("second")).Where(e => (string?)e["reason"] == "CheckpointSkipped").ToList();
        skipped.ShouldHaveSingleItem();
        ((string?)skipped[0]["note"]).ShouldNotBeNull().ShouldContain("step-10: shard rank-00002.safetensors does not match its SHA-256");
    }

    [Fact]
    public async Task AJobWhoseDataIsOnAThreeFSClusterThatDoesNotExist_WaitsForStorage_WithoutPods()
    {
        var job = await _tj.SampleAsync("waits", steps: 5, interval: 5);
        job["spec"]!["data"] = new JsonObject { ["threeFS"] = new JsonObject { ["clusterRef"] = "tfs", ["path"] = "/datasets/x" } };
        await _tj.CreateAsync(job);

        var status = await _tj.WaitForStatusAsync("waits", s => s?["conditions"]?.AsArray().Any(c => (string?)c!["reason"] == "WaitingForStorage") == true, "WaitingForStorage", TimeSpan.FromSeconds(60));

        ((string?)status["phase"]).ShouldBe("Pending");
        ((string?)status["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Scheduled")!["message"]).ShouldNotBeNull().ShouldContain("ThreeFSCluster tfs (spec.data.threeFS.clusterRef)");
        (await _tj.PodsAsync("waits")).ShouldBeEmpty();
    }

    private static List<double> Losses(string log) =>
        [.. StepLine().Matches(log).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"train: step \d+/\d+ loss ([0-9.]+)")]
    private static partial Regex StepLine();
}
