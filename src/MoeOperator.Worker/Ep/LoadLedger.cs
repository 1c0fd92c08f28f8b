namespace MoeOperator.Worker.Ep;

/// <summary>
/// The tokens this pod's ranks routed to each logical expert under the current expert map version; a new version
/// starts from zero, because the operator compares loads measured against the map it published.
/// </summary>
public sealed class LoadLedger(int experts)
{
    private readonly Lock _gate = new();
    private long[] _tokens = new long[experts];
    private long _version = -1;

    public void Add(long version, IReadOnlyList<long> routed)
    {
        ArgumentNullException.ThrowIfNull(routed);
        lock (_gate)
        {
            if (version > _version)
            {
                _version = version;
                _tokens = new long[experts];
            }
            else if (version < _version)
            {
                return;
            }

            for (var e = 0; e < _tokens.Length; e++)
            {
                _tokens[e] += routed[e];
            }
        }
    }

    /// <summary>The current version and a copy of its counts, or null before the first step.</summary>
    public (long Version, long[] Tokens)? Snapshot()
    {
        lock (_gate)
        {
            return _version < 0 ? null : (_version, (long[])_tokens.Clone());
        }
    }
}
