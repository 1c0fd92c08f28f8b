using System.Globalization;
using System.Text.RegularExpressions;

namespace MoeOperator.Benchmarks.Scale;

/// <summary>One scrape of a Prometheus text endpoint: every sample with its labels, and the sums and quantiles a report needs.</summary>
public sealed partial class PrometheusSample
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public static PrometheusSample Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sample = new PrometheusSample();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || SampleLine().Match(line) is not { Success: true } match)
            {
                continue;
            }

            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);
            sample._samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return sample;
    }

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels pass <paramref name="where"/>.</summary>
    public double Sum(string name, Func<IReadOnlyDictionary<string, string>, bool>? where = null) =>
        _samples.Where(s => s.Name == name && (where is null || where(s.Labels))).Sum(s => s.Value);

    /// <summary>
    /// The q-quantile of a histogram as Prometheus's histogram_quantile estimates it: linear inside the bucket the
    /// rank falls in (so the answer is only as fine as the buckets). Null when the histogram is empty.
    /// </summary>
    public double? Quantile(string histogram, double q, Func<IReadOnlyDictionary<string, string>, bool>? where = null)
    {
        var buckets = _samples.Where(s => s.Name == histogram + "_bucket" && (where is null || where(s.Labels)))
            .GroupBy(s => s.Labels["le"])
            .Select(g => (Le: g.Key == "+Inf" ? double.PositiveInfinity : double.Parse(g.Key, NumberStyles.Float, CultureInfo.InvariantCulture), Count: g.Sum(s => s.Value)))
            .OrderBy(b => b.Le)
            .ToList();
        if (buckets.Count == 0 || buckets[^1].Count == 0)
        {
            return null;
        }

        var rank = q * buckets[^1].Count;
        var (lower, below) = (0.0, 0.0);
        foreach (var (le, count) in buckets)
        {
            if (count >= rank)
            {
                return double.IsPositiveInfinity(le) ? lower : lower + ((le - lower) * (rank - below) / Math.Max(count - below, 1e-12));
            }

            (lower, below) = (le, count);
        }

        return lower;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
