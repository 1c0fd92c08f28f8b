using System.Globalization;
using System.Text.RegularExpressions;

namespace MoeOperator.Controllers.ThreeFSClusters.AdminCli;

/// <summary>
/// Reads the tables admin_cli prints (list-chains, list-targets): a header line, then one row per item,
/// columns separated by runs of spaces. Anything before the header (log lines) is skipped; a row that does not fit
/// fails with the row in the message, so a changed format is noticed instead of misread.
/// </summary>
internal static partial class AdminCliOutput
{
    public static IReadOnlyList<AdminCliChain> ParseChains(string text)
    {
        var chains = new List<AdminCliChain>();
        foreach (var row in Rows(text, "ChainId", "list-chains"))
        {
            if (row.Length < 5)
            {
                throw Bad("list-chains", row);
            }

            // PreferredOrder is a bracketed list that may itself contain spaces.
            var next = 4;
            while (next < row.Length && !row[next].EndsWith(']'))
            {
                next++;
            }

            var replicas = new List<ChainReplica>();
            foreach (var cell in row.Skip(next + 1))
            {
                var match = ReplicaPattern().Match(cell);
                if (!match.Success)
                {
                    throw Bad("list-chains", row);
                }

                replicas.Add(new ChainReplica(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, match.Groups[3].Value));
            }

            chains.Add(new AdminCliChain(Long(row[0], row), Long(row[2], row), row[3], replicas));
        }

        return chains;
    }

    public static IReadOnlyList<AdminCliTarget> ParseTargets(string text) =>
        [.. Rows(text, "TargetId", "list-targets").Select(row => row.Length >= 7
            ? new AdminCliTarget(Long(row[0], row), Long(row[1], row), row[2], row[3], row[4], Long(row[5], row), (int)Long(row[6], row))
            : throw Bad("list-targets", row))];

    /// <summary>The log of a Job that prints several tables, each after a line <c>marker name</c>: the text of each, by name.</summary>
    public static Dictionary<string, string> Sections(string log, string marker)
    {
        ArgumentNullException.ThrowIfNull(log);
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? section = null;
        foreach (var line in log.Split('\n'))
        {
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                section = line[marker.Length..].Trim();
                sections[section] = "";
            }
            else if (section is not null)
            {
                sections[section] += line + "\n";
            }
        }

        return sections;
    }

    private static IEnumerable<string[]> Rows(string text, string firstHeader, string command)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.FindIndex(l => l.TrimStart().StartsWith(firstHeader + " ", StringComparison.Ordinal));
        if (header < 0)
        {
            throw new FormatException($"admin_cli {command} printed no table (no line starting with {firstHeader}): {Excerpt(text)}");
        }

        return lines.Skip(header + 1)
            .Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private static long Long(string cell, string[] row) =>
        long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Bad("output", row);

    private static FormatException Bad(string command, string[] row) =>
        new($"admin_cli {command}: cannot read the row '{string.Join(' ', row)}'");

    private static string Excerpt(string text) => text.Length <= 200 ? text : text[..200] + "...";

    [GeneratedRegex(@"^(\d+)\(([A-Z_]+)-([A-Z_]+)\)$")]
    private static partial Regex ReplicaPattern();
}
