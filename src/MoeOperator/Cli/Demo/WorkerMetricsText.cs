using System.Globalization;

namespace MoeOperator.Cli.Demo;

/// <summary>Reads Prometheus text exposition: the sum of one metric's samples over all its label sets.</summary>
internal static class WorkerMetricsText
{
    public static double Sum(string text, string metric)
    {
        ArgumentNullException.ThrowIfNull(text);
        var total = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[metric.Length..];
            if (rest.Length > 0 && rest[0] is not ('{' or ' '))
            {
                continue; // another metric whose name starts the same way
            }

            var value = line[(line.LastIndexOf(' ') + 1)..];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                total += number;
            }
        }

        return total;
    }
}
