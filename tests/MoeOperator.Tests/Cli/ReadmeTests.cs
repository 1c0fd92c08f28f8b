using System.Text.RegularExpressions;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

/// <summary>
/// The README's "What works" table is held to the code: every `moe` (and `moe-worker`) command it tells a reader to
/// try exists and answers --help, and every file it links to exists.
/// </summary>
public sealed partial class ReadmeTests
{
    private static readonly string _readme = File.ReadAllText(RepoPaths.Of("README.md"));

    // The verbs of each `dotnet run --project src/<Project> -- <verbs> [flags...]` in the README, with the program they run.
    public static TheoryData<string, string> Commands()
    {
        var data = new TheoryData<string, string>();
        foreach (var match in TryIt().Matches(_readme).Cast<Match>())
        {
            var program = match.Groups["project"].Value == "MoeOperator.Worker" ? "moe-worker.dll" : "moe.dll";
            var verbs = string.Join(' ', match.Groups["rest"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeWhile(w => Regex.IsMatch(w, "^[a-z][a-z-]*$")));
            if (!data.Any(row => (string)row[0] == program && (string)row[1] == verbs))
            {
                data.Add(program, verbs);
            }
        }

        return data;
    }

    [Fact]
    public void TheTable_ShowsCommands()
    {
        Commands().Count.ShouldBeGreaterThan(5, "the pattern finds the README's commands");
        Commands().ShouldContain(row => (string)row[1] == "dev up");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void EveryCommandTheReadmeShows_Exists_AndAnswersHelp(string program, string verbs)
    {
        var result = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, program), .. verbs.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"], timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(0, result.Output);
        result.Stdout.ShouldContain("Usage:");
        result.Stderr.ShouldBeEmpty($"`{program} {verbs}` is not a command: {result.Stderr}");
    }

    [Fact]
    public void EveryFileTheReadmeLinks_Exists()
    {
        var links = Link().Matches(_readme).Select(m => m.Groups["path"].Value).Where(p => !p.Contains("://", StringComparison.Ordinal)).ToList();

        links.ShouldNotBeEmpty();
        links.Where(p => !File.Exists(RepoPaths.Of(p)) && !Directory.Exists(RepoPaths.Of(p))).ShouldBeEmpty("links to files that do not exist");
    }

    [GeneratedRegex(@"dotnet run --project src/(?<project>[A-Za-z.]+) -- (?<rest>[^`|]*)")]
    private static partial Regex TryIt();

    [GeneratedRegex(@"\]\((?<path>[^)#]+)(#[^)]*)?\)")]
    private static partial Regex Link();
}
