using System.Globalization;
using System.Text.RegularExpressions;

namespace MoeOperator.Planning.Resources;

/// <summary>
/// Kubernetes resource quantities as numbers: "500m" is 0.5, "2" is 2, "64Gi" is 64 * 2^30, "1e3" is 1000,
/// "128974848" is itself. Malformed or empty text counts as 0, as a missing resource does.
/// </summary>
public static partial class Quantity
{
    public static decimal Parse(string? text)
    {
        var match = string.IsNullOrWhiteSpace(text) ? null : Shape().Match(text.Trim());
        if (match is not { Success: true } || !decimal.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return 0;
        }

        var suffix = match.Groups[2].Value;
        if (suffix.Length > 0 && (suffix[0] == 'e' || suffix[0] == 'E'))
        {
            return number * (decimal)Math.Pow(10, int.Parse(suffix[1..], CultureInfo.InvariantCulture));
        }

        return number * suffix switch
        {
            "" => 1m,
            "n" => 1e-9m,
            "u" => 1e-6m,
            "m" => 1e-3m,
            "k" => 1e3m,
            "M" => 1e6m,
            "G" => 1e9m,
            "T" => 1e12m,
            "P" => 1e15m,
            "E" => 1e18m,
            "Ki" => 1024m,
            "Mi" => 1024m * 1024,
            "Gi" => 1024m * 1024 * 1024,
            "Ti" => 1024m * 1024 * 1024 * 1024,
            "Pi" => 1024m * 1024 * 1024 * 1024 * 1024,
            "Ei" => 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
            _ => 0m,
        };
    }

    [GeneratedRegex(@"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eE][+-]?[0-9]+|[numkMGTPE]i?|)$")]
    private static partial Regex Shape();
}
