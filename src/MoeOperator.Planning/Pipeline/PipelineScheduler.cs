namespace MoeOperator.Planning.Pipeline;

/// <summary>
/// The op order of every pipeline rank for one training step, exactly as deepseek-ai/DualPipe's <c>step()</c> runs it
/// (DualPipe and DualPipeV: the same eight phases, warm-up, zero-bubble fill, the overlapped main phase, and the
/// drain with deferred weight gradients), and the classic non-interleaved 1F1B. A worker executes its rank's list.
/// </summary>
public static class PipelineScheduler
{
    /// <summary>Every rank's ops, rank 0 first.</summary>
    /// <exception cref="ArgumentException">The pipeline size or the micro-batch count cannot run the variant.</exception>
    public static IReadOnlyList<IReadOnlyList<PipelineOp>> Plan(PipelineVariant variant, int ranks, int chunks)
    {
        if (Problem(variant, ranks, chunks) is { } problem)
        {
            throw new ArgumentException(problem);
        }

        return [.. Enumerable.Range(0, ranks).Select(rank => variant switch
        {
            PipelineVariant.DualPipe => DualPipe(rank, ranks, chunks),
            PipelineVariant.DualPipeV => DualPipeV(rank, ranks, chunks),
            _ => OneFOneB(rank, ranks, chunks),
        })];
    }

    /// <summary>Why the variant cannot run with this many ranks and micro-batches (as upstream asserts), or null.</summary>
    public static string? Problem(PipelineVariant variant, int ranks, int chunks) => variant switch
    {
        _ when ranks < 1 => $"the pipeline size ({ranks}) must be at least 1",
        PipelineVariant.DualPipe when ranks % 2 != 0 => $"DualPipe needs an even pipeline size (got {ranks}): rank r holds stages r and PP-1-r",
        PipelineVariant.DualPipe when chunks % 2 != 0 || chunks < 2 * ranks => $"DualPipe needs an even number of micro-batches of at least 2 x PP = {2 * ranks} (got {chunks}): half enter at each end",
        PipelineVariant.DualPipeV when chunks < 2 * ranks => $"DualPipeV needs at least 2 x PP = {2 * ranks} micro-batches (got {chunks})",
        PipelineVariant.OneFOneB when chunks < 1 => $"1F1B needs at least 1 micro-batch (got {chunks})",
        _ => null,
    };

    private static List<PipelineOp> DualPipe(int rank, int ranks, int chunks)
    {
        var halfRanks = ranks / 2;
        var halfRank = Math.Min(rank, ranks - 1 - rank);
        var middle = rank == halfRanks - 1 || rank == halfRanks;
        // The ranks of the second half run the same program with their two phases swapped: phase 0 is then the
        // reverse direction. Direction 0 runs stage r here, direction 1 stage PP-1-r.
        var swap = rank >= halfRanks ? 1 : 0;
        var ops = new RankOps(direction => direction == 0 ? rank : ranks - 1 - rank, phase => phase ^ swap);
        ops.Run(halfRanks, halfRank, chunks / 2, ranks, middle);
        return ops.List;
    }

    private static List<PipelineOp> DualPipeV(int rank, int ranks, int chunks)
    {
        // One direction; rank r holds stage r (on the way out) and stage 2PP-1-r (on the way back).
        var ops = new RankOps(phase => phase == 0 ? rank : (2 * ranks) - 1 - rank, phase => phase) { SingleDirection = true };
        ops.Run(ranks, rank, chunks, 2 * ranks, rank == ranks - 1);
        return ops.List;
    }

    private static List<PipelineOp> OneFOneB(int rank, int ranks, int chunks)
    {
        var warmup = Math.Min(ranks - rank - 1, chunks);
        var list = new List<PipelineOp>();
        var (forward, backward) = (0, 0);
        for (var i = 0; i < warmup; i++)
        {
            list.Add(new PipelineOp(PipelineOpKind.F, rank, 0, forward++));
        }

        for (var i = 0; i < chunks - warmup; i++)
        {
            list.Add(new PipelineOp(PipelineOpKind.F, rank, 0, forward++));
            list.Add(new PipelineOp(PipelineOpKind.B, rank, 0, backward++));
        }

        for (var i = 0; i < warmup; i++)
        {
            list.Add(new PipelineOp(PipelineOpKind.B, rank, 0, backward++));
        }

        return list;
    }

    // One rank's program in upstream's eight phases. `Stage` maps a slot (0: the module met first, 1: the other) to
    // its model stage; `Slot` maps upstream's phase argument to the slot it runs on this rank.
    private sealed class RankOps(Func<int, int> stage, Func<int, int> slot)
    {
        private readonly int[] _forward = new int[2];
        private readonly int[] _backward = new int[2];
        private readonly Queue<PipelineOp> _deferred = new();

        public List<PipelineOp> List { get; } = [];

        public bool SingleDirection { get; init; }

        // n: ranks in one direction's pipeline half (DualPipe: PP/2, DualPipeV: PP), r: this rank's place in it,
        // m: micro-batches per direction, ranksInStep4: the term step 4 subtracts (DualPipe: PP, DualPipeV: 2PP).
        public void Run(int n, int r, int m, int ranksInStep4, bool special)
        {
            for (var i = 0; i < (n - r - 1) * 2; i++)
            {
                Add(Forward(0));
            }

            for (var i = 0; i < r + 1; i++)
            {
                Add(Forward(0));
                Add(Forward(1));
            }

            for (var i = 0; i < n - r - 1; i++)
            {
                Add(Backward(1, zeroBubble: true));
                Add(Weight());
                Add(Forward(1));
            }

            for (var i = 0; i < m - ranksInStep4 + r + 1; i++)
            {
                if (i == 0 && special)
                {
                    // Upstream does not overlap these two, to shorten the bubble at the turn.
                    Add(Forward(0));
                    Add(Backward(1));
                }
                else
                {
                    Add(PipelineOp.Pair(Forward(0), Backward(1)));
                }

                Add(PipelineOp.Pair(Forward(1), Backward(0)));
            }

            for (var i = 0; i < n - r - 1; i++)
            {
                Add(Backward(1));
                Add(PipelineOp.Pair(Forward(1), Backward(0)));
            }

            var zeroBubble = false;
            var drain = r + 1;
            for (var i = 0; i < drain; i++)
            {
                zeroBubble |= i == drain / 2 && r % 2 == 1;
                Add(Backward(1, zeroBubble));
                zeroBubble |= i == drain / 2 && r % 2 == 0;
                Add(Backward(0, zeroBubble));
            }

            for (var i = 0; i < n - r - 1; i++)
            {
                Add(Weight());
                Add(Backward(0, zeroBubble: true));
            }

            for (var i = 0; i < r + 1; i++)
            {
                Add(Weight());
            }

            if (_deferred.Count > 0 || _forward[0] != m || _forward[1] != m || _backward[0] != m || _backward[1] != m)
            {
                throw new InvalidOperationException($"the schedule left work undone: forwards {_forward[0]}+{_forward[1]}, backwards {_backward[0]}+{_backward[1]} of {m}+{m}, {_deferred.Count} weight gradients");
            }
        }

        private void Add(PipelineOp op) => List.Add(op);

        private PipelineOp Forward(int phase)
        {
            var s = slot(phase);
            return new PipelineOp(PipelineOpKind.F, stage(s), SingleDirection ? 0 : s, _forward[s]++);
        }

        private PipelineOp Backward(int phase, bool zeroBubble = false)
        {
            var s = slot(phase);
            var op = new PipelineOp(PipelineOpKind.B, stage(s), SingleDirection ? 0 : s, _backward[s]++, zeroBubble);
            if (zeroBubble)
            {
                _deferred.Enqueue(op with { Kind = PipelineOpKind.W, ZeroBubble = false });
            }

            return op;
        }

        private PipelineOp Weight() => _deferred.Dequeue();
    }
}
