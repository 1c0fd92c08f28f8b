using System.Text.RegularExpressions;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

/// <summary>
/// The README's "Changing a running resource" table is held to the [OnChange] decisions: every field it puts in a
/// column has that decision, and every field that carries a decision of its own is in the table.
/// </summary>
public sealed partial class ReadmeChangesTableTests
{
    private static readonly SpecChange[] _columns = [SpecChange.InPlace, SpecChange.Replace, SpecChange.Roll, SpecChange.Scale, SpecChange.WhileSuspended, SpecChange.Immutable];

    public static TheoryData<string> KindNames => [.. Kinds.All.Select(k => k.Kind)];

    [Theory]
    [MemberData(nameof(KindNames))]
    public void TheTable_SaysWhatEveryDecidedFieldOfTheKindDoes(string kindName)
    {
        var kind = Kinds.All.Single(k => k.Kind == kindName);
        var row = File.ReadAllLines(RepoPaths.Of("README.md")).Single(l => l.StartsWith($"| {kindName} |", StringComparison.Ordinal));
        var cells = row.Split('|')[2..^1];
        cells.Length.ShouldBe(_columns.Length);

        var listed = new Dictionary<string, SpecChange>(StringComparer.Ordinal);
        foreach (var (cell, change) in cells.Zip(_columns))
        {
            // The fields are the code spans at the top level of the cell, not those inside its parenthesised notes.
            var outsideNotes = Regex.Replace(cell, @"\([^)]*\)", "");
            foreach (var field in Field().Matches(outsideNotes).Select(m => m.Groups[1].Value))
            {
                SpecChanges.DecisionFor(kind.SpecType, field)?.Change.ShouldBe(change, $"{kindName} {field}");
                SpecChanges.DecidedAt(kind.SpecType, field).ShouldBe(field, $"{kindName} {field} is listed where its decision is made");
                listed[field] = change;
            }
        }

        var decided = SpecChanges.Fields(kind).Select(f => SpecChanges.DecidedAt(kind.SpecType, f)!).Distinct().Order(StringComparer.Ordinal);
        decided.ShouldBe(listed.Keys.Order(StringComparer.Ordinal), $"the {kindName} row lists every field that carries a decision");
    }

    [GeneratedRegex("`([a-zA-Z.]+)`")]
    private static partial Regex Field();
}
