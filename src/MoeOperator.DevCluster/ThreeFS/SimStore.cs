using System.Text.Json;

namespace MoeOperator.DevCluster.ThreeFS;

/// <summary>
/// Where a simulated cluster's state lives between the processes standing in for its programs: a JSON file (what
/// FoundationDB holds for mgmtd) and a history of target state changes, changed under an exclusive file lock so
/// daemons and admin_cli never lose each other's writes.
/// </summary>
public sealed class SimStore(string directory, SimTimings timings)
{
    private static readonly JsonSerializerOptions _json = new() { WriteIndented = true };

    public string Directory { get; } = directory;

    private string StatePath => Path.Combine(Directory, "state.json");

    private string HistoryPath => Path.Combine(Directory, "history.jsonl");

    /// <summary>Loads the state, applies <paramref name="change"/> at <paramref name="now"/>, saves it and appends the transitions.</summary>
    public T Update<T>(DateTimeOffset now, Func<ThreeFSSimulator, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        System.IO.Directory.CreateDirectory(Directory);
        using var held = Lock();
        var state = File.Exists(StatePath) ? JsonSerializer.Deserialize<SimState>(File.ReadAllText(StatePath), _json) ?? new SimState() : new SimState();
        var simulator = new ThreeFSSimulator(state, timings);
        simulator.Advance(now);
        var result = change(simulator);
        var temporary = StatePath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, _json));
        File.Move(temporary, StatePath, overwrite: true);
        if (simulator.Transitions.Count > 0)
        {
            File.AppendAllLines(HistoryPath, simulator.Transitions.Select(t => JsonSerializer.Serialize(t)));
        }

        return result;
    }

    /// <summary>Every target state change so far, in order.</summary>
    public IReadOnlyList<SimTransition> History() =>
        File.Exists(HistoryPath)
            ? [.. File.ReadAllLines(HistoryPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<SimTransition>(l)!)]
            : [];

    /// <summary>The current state (read without the lock; for tests and inspection).</summary>
    public SimState? Read() => File.Exists(StatePath) ? JsonSerializer.Deserialize<SimState>(File.ReadAllText(StatePath), _json) : null;

    private FileStream Lock()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(Directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }
        }
    }
}
