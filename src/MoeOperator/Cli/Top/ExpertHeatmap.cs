using System.Globalization;
using System.Text;

namespace MoeOperator.Cli.Top;

/// <summary>
/// The expert-load heatmap of one EPGroup in the terminal (pure), from its workers' /metrics: one row per rank (GPU)
/// and one cell per physical expert slot, shaded by the tokens that slot computed; each rank's total and the GPU
/// load max/mean beside it; then the load of each logical expert as the router chose them.
/// </summary>
internal static class ExpertHeatmap
{
    // Four shades of the share of the busiest cell; a cell that computed nothing is a dot.
    private static readonly string[] _shades = ["··", "░░", "▒▒", "▓▓", "██"];

    public static string Render(string group, IReadOnlyList<ExpositionSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var text = new StringBuilder();
        var slots = samples.Where(s => s.Name == "moe_worker_slot_tokens_total" && s.Labels.ContainsKey("rank") && s.Labels.ContainsKey("slot"))
            .GroupBy(s => Index(s.Labels["rank"]))
            .OrderBy(g => g.Key)
            .Select(g => (Rank: g.Key, Cells: g.GroupBy(s => Index(s.Labels["slot"])).OrderBy(c => c.Key).Select(c => (Slot: c.Key, Tokens: c.Sum(s => s.Value))).ToList()))
            .ToList();
        if (slots.Count == 0)
        {
            return $"EPGroup {group}: no worker has reported expert load yet (its ranks start serving metrics once they step)\n";
        }

        var busiest = slots.SelectMany(r => r.Cells).Max(c => c.Tokens);
        var totals = slots.Select(r => r.Cells.Sum(c => c.Tokens)).ToList();
        var mean = totals.Average();
        text.AppendLine(CultureInfo.InvariantCulture, $"EPGroup {group}: tokens computed per physical expert slot since the ranks started ({_shades[4][0]} = {Count(busiest)}, the busiest slot)");
        foreach (var (rank, cells) in slots)
        {
            var row = string.Concat(cells.Select(c => Shade(c.Tokens, busiest)));
            text.AppendLine(CultureInfo.InvariantCulture, $"  rank {rank,-3} slots {cells[0].Slot,3}-{cells[^1].Slot,-3} {row}  {Count(cells.Sum(c => c.Tokens))} tokens");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  GPU load max/mean: {(mean > 0 ? totals.Max() / mean : 0).ToString("0.000", CultureInfo.InvariantCulture)}");
        var experts = samples.Where(s => s.Name == "moe_worker_expert_tokens_total" && s.Labels.ContainsKey("expert"))
            .GroupBy(s => Index(s.Labels["expert"]))
            .Select(g => (Expert: g.Key, Tokens: g.Sum(s => s.Value)))
            .OrderBy(e => e.Expert)
            .ToList();
        if (experts.Count > 0)
        {
            var top = experts.MaxBy(e => e.Tokens);
            text.AppendLine(CultureInfo.InvariantCulture, $"  logical experts 0-{experts[^1].Expert}: {string.Concat(experts.Select(e => Shade(e.Tokens, top.Tokens)))}  (busiest: expert {top.Expert}, {Count(top.Tokens)} tokens routed)");
        }

        return text.ToString();
    }

    private static string Shade(double tokens, double busiest) =>
        tokens <= 0 || busiest <= 0 ? _shades[0] : _shades[Math.Clamp((int)Math.Ceiling(tokens / busiest * 4), 1, 4)];

    private static int Index(string label) => int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1;

    private static string Count(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
