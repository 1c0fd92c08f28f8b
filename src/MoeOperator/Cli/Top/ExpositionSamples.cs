using System.Globalization;

namespace MoeOperator.Cli.Top;

/// <summary>One sample of Prometheus' text exposition: metric name, labels and value.</summary>
internal sealed record ExpositionSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the text exposition a worker serves on /metrics (what Prometheus would scrape), and computes what the
/// dashboards compute from it: sums over label sets, and histogram quantiles interpolated within buckets as
/// Prometheus' histogram_quantile does.
/// </summary>
internal static class ExpositionSamples
{
    public static IReadOnlyList<ExpositionSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<ExpositionSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            string rest;
            if (brace >= 0 && (space < 0 || brace < space))
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                foreach (var pair in SplitLabels(line[(brace + 1)..close]))
                {
                    labels[pair.Key] = pair.Value;
                }

                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = space < 0 ? line : line[..space];
                rest = space < 0 ? "" : line[(space + 1)..].Trim();
            }

            // The value, then an optional timestamp.
            var valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (valueText is not null && TryValue(valueText, out var value))
            {
                samples.Add(new ExpositionSample(name, labels, value));
            }
        }

        return samples;
    }

    /// <summary>The sum of a metric's samples over all its label sets (0 when there are none).</summary>
    public static double Sum(IEnumerable<ExpositionSample> samples, string metric) => samples.Where(s => s.Name == metric).Sum(s => s.Value);

    /// <summary>
    /// The q-quantile of a histogram summed over all its label sets (but <c>le</c>), from its cumulative
    /// <c>_bucket</c> counts; null when it has no observations.
    /// </summary>
    public static double? Quantile(IEnumerable<ExpositionSample> samples, string histogram, double q)
    {
        var buckets = samples.Where(s => s.Name == histogram + "_bucket" && s.Labels.ContainsKey("le"))
            .GroupBy(s => TryValue(s.Labels["le"], out var bound) ? bound : double.NaN)
            .Where(g => !double.IsNaN(g.Key))
            .Select(g => (Bound: g.Key, Count: g.Sum(s => s.Value)))
            .OrderBy(b => b.Bound)
            .ToList();
        if (buckets.Count == 0 || buckets[^1].Count <= 0)
        {
            return null;
        }

        var rank = q * buckets[^1].Count;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var (bound, count) in buckets)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    // As Prometheus: the quantile falls in the +Inf bucket, so the highest finite bound is the answer.
                    return lowerBound;
                }

                return count == lowerCount ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount) / (count - lowerCount));
            }

            (lowerBound, lowerCount) = (bound, count);
        }

        return lowerBound;
    }

    private static bool TryValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            default:
                // double.TryParse reads "NaN" itself.
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    // name="value" pairs separated by commas; values may hold escaped quotes, backslashes and newlines.
    private static IEnumerable<KeyValuePair<string, string>> SplitLabels(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                yield break;
            }

            var name = text[i..equals].Trim().TrimStart(',').Trim();
            var value = new System.Text.StringBuilder();
            var j = equals + 2; // past ="
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            yield return new(name, value.ToString());
            i = j + 1;
        }
    }
}
