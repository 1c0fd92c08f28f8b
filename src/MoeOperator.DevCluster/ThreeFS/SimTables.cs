using System.Globalization;
using System.Text;

namespace MoeOperator.DevCluster.ThreeFS;

/// <summary>The tables admin_cli prints, column for column (upstream's add-storage-nodes guide and m3fs show them).</summary>
internal static class SimTables
{
    public static string Nodes(SimState state, DateTimeOffset now)
    {
        var primary = state.Nodes.Where(n => n.Value.Type == "MGMTD" && n.Value.Up).Select(n => n.Key).DefaultIfEmpty(-1).Min();
        return Table(
            ["Id", "Type", "Status", "Hostname", "Pid", "Tags", "LastHeartbeatTime", "ConfigVersion", "ReleaseVersion"],
            state.Nodes.Select(n => new[]
            {
                Text(n.Key),
                n.Value.Type,
                n.Key == primary ? "PRIMARY_MGMTD" : n.Value.Up ? "HEARTBEAT_CONNECTED" : "HEARTBEAT_FAILED",
                n.Value.Hostname,
                "1",
                "[]",
                n.Value.Type == "MGMTD" || n.Value.LastHeartbeat is null ? "N/A" : n.Value.LastHeartbeat.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                "1(UPTODATE)",
                "250228-dev-1-999999-moesim",
            }));
    }

    public static string Chains(SimState state)
    {
        var width = state.Chains.Count == 0 ? 1 : state.Chains.Max(c => c.Value.Targets.Count);
        return Table(
            ["ChainId", "ReferencedBy", "ChainVersion", "Status", "PreferredOrder", .. Enumerable.Repeat("Target", width)],
            state.Chains.Select(c => (string[])
            [
                Text(c.Key),
                Text(state.ChainTables.Values.Count(t => t.Contains(c.Key))),
                Text(c.Value.Version),
                c.Value.Targets.Any(t => state.Targets[t].PublicState == TargetStates.Serving) ? "SERVING" : "UNAVAILABLE",
                "[]",
                .. c.Value.Targets.Select(t => $"{Text(t)}({state.Targets[t].PublicState}-{state.Targets[t].LocalState})"),
            ]));
    }

    public static string Targets(SimState state) => Table(
        ["TargetId", "ChainId", "Role", "PublicState", "LocalState", "NodeId", "DiskIndex", "UsedSize"],
        state.Targets.Select(t => new[]
        {
            Text(t.Key),
            Text(t.Value.ChainId ?? 0),
            Role(state, t.Key, t.Value),
            t.Value.PublicState,
            t.Value.LocalState,
            Text(t.Value.NodeId),
            Text(t.Value.DiskIndex),
            "0",
        }));

    public static string ChainTables(SimState state) => Table(
        ["ChainTableId", "ChainTableVersion", "ChainCount", "ReplicaNum", "Desc"],
        state.ChainTables.Select(t => new[]
        {
            Text(t.Key),
            Text(state.ChainTableVersions.GetValueOrDefault(t.Key)),
            Text(t.Value.Count),
            Text(t.Value.Count == 0 ? 0 : state.Chains[t.Value[0]].Targets.Count),
            "stage",
        }));

    private static string Role(SimState state, long id, SimTarget target)
    {
        if (target.ChainId is not { } chainId || !state.Chains.TryGetValue(chainId, out var chain))
        {
            return "UNKNOWN";
        }

        var index = chain.Targets.IndexOf(id);
        return index == 0 ? "HEAD" : index == chain.Targets.Count - 1 ? "TAIL" : "MIDDLE";
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var columns = all.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns).Select(c => all.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            text.Append(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
        }

        return text.ToString();
    }
}
