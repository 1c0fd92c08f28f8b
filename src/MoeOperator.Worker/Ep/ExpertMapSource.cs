using MoeOperator.Contract;
using MoeOperator.Worker.Moe;

namespace MoeOperator.Worker.Ep;

/// <summary>
/// Where rank 0 reads the expert map: the file the kubelet keeps equal to the group's ConfigMap, or, when there is
/// none (a worker run by hand), the identity layout. Read at most every <paramref name="minInterval"/>.
/// </summary>
public sealed class ExpertMapSource(string? path, int experts, int ranks, int slots, TimeSpan minInterval, TimeProvider clock)
{
    private ExpertMap? _last;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public ExpertMap Current()
    {
        var now = clock.GetUtcNow();
        if (_last is not null && now - _readAt < minInterval)
        {
            return _last;
        }

        _readAt = now;
        if (path is null || !File.Exists(path))
        {
            return _last ??= slots == experts
                ? ExpertMap.Identity(experts, ranks)
                : throw new WorkerConfigurationException($"{WorkerEnvironment.PhysicalExpertSlots}={slots} asks for redundant expert slots, which only an expert map can place, and there is none at {path ?? "(MOE_EXPERT_MAP unset)"}");
        }

        try
        {
            _last = ExpertMap.Parse(File.ReadAllText(path), experts, ranks, slots);
        }
        catch (Exception e) when (e is FormatException or IOException or System.Text.Json.JsonException)
        {
            // A map caught mid-update or malformed: keep running on the last good one; the next read retries.
            if (_last is null)
            {
                throw new WorkerConfigurationException($"the expert map at {path} is unusable: {e.Message}");
            }
        }

        return _last;
    }
}
