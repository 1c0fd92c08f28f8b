namespace MoeOperator.Worker.Training.Data;

/// <summary>
/// The order in which a run trains its samples: for each epoch one permutation of [0, samples) drawn from the seed,
/// read at a global position (step x global batch + offset). It is a keyed Feistel network over the next power of
/// four with cycle-walking, so any position is computed directly, in constant memory: a restart at any step, with
/// any data-parallel size, reads exactly the samples an uninterrupted run would have, each once per epoch.
/// </summary>
public sealed class SampleOrder
{
    private const int Rounds = 6;
    private readonly long _samples;
    private readonly ulong _seed;
    private readonly int _halfBits;

    public SampleOrder(long samples, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        _samples = samples;
        _seed = (ulong)seed;
        _halfBits = 1;
        while ((1L << (2 * _halfBits)) < samples)
        {
            _halfBits++;
        }
    }

    public long Samples => _samples;

    /// <summary>The sample trained at global position <paramref name="position"/> (0-based over the whole run).</summary>
    public long At(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        var epoch = (ulong)(position / _samples);
        var value = position % _samples;
        do
        {
            value = Permute(value, epoch);
        }
        while (value >= _samples);

        return value;
    }

    private long Permute(long value, ulong epoch)
    {
        var mask = (1UL << _halfBits) - 1;
        var left = (ulong)value >> _halfBits;
        var right = (ulong)value & mask;
        for (var round = 0UL; round < Rounds; round++)
        {
            (left, right) = (right, left ^ (Mix(_seed, epoch, round, right) & mask));
        }

        return (long)((left << _halfBits) | right);
    }

    // SplitMix64's finaliser over the key and the half: a fixed function, unlike System.Random, which may change.
    private static ulong Mix(ulong seed, ulong epoch, ulong round, ulong half)
    {
        var z = seed ^ (epoch * 0x9E3779B97F4A7C15UL) ^ (round * 0xBF58476D1CE4E5B9UL) ^ (half * 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
