using System.Globalization;
using System.Text.RegularExpressions;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Parses the Go-style durations (30s, 5m, 1h30m) that spec fields carry.</summary>
public static partial class Durations
{
    /// <summary>Parses a duration the schema accepted; throws FormatException naming the text otherwise.</summary>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!WholePattern().IsMatch(text))
        {
            throw new FormatException($"'{text}' is not a duration: write it like 30s, 5m or 1h30m");
        }

        var total = TimeSpan.Zero;
        foreach (Match part in PartPattern().Matches(text))
        {
            var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromHours(amount),
            };
        }

        return total;
    }

    [GeneratedRegex(Patterns.Duration)]
    private static partial Regex WholePattern();

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")]
    private static partial Regex PartPattern();
}
