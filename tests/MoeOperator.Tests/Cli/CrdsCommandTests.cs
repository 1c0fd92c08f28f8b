using MoeOperator.Api.Schema;
using MoeOperator.Cli;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

public sealed class CrdsCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Check_CommittedCrds_MatchTheGenerator()
    {
        // The drift test: crds/ and the chart's copy must be exactly what `moe crds` writes from the C# types.
        var output = new StringWriter();

        var exit = CrdsCommand.Run([new(RepoPaths.Of("crds")), new(RepoPaths.Of("charts", "moe-operator", "crds"))], check: true, output);

        exit.ShouldBe(0, $"run `dotnet run --project src/MoeOperator -- crds -o crds -o charts/moe-operator/crds`:\n{output}");
    }

    [Fact]
    public void Check_EditedFile_IsReportedAsDrift()
    {
        CrdsCommand.Run([_scratch.Info], check: false, TextWriter.Null).ShouldBe(0);
        var file = _scratch.Path(CrdGenerator.RenderAll()[0].FileName);
        File.AppendAllText(file, "# hand edit\n");
        var output = new StringWriter();

        var exit = CrdsCommand.Run([_scratch.Info], check: true, output);

        exit.ShouldBe(1);
        output.ToString().ShouldContain(file);
    }

    [Fact]
    public void Write_CreatesOneFilePerKind_AndIsIdempotent()
    {
        CrdsCommand.Run([_scratch.Info], check: false, TextWriter.Null);
        var output = new StringWriter();

        CrdsCommand.Run([_scratch.Info], check: false, output);

        _scratch.Info.GetFiles("*.yaml").Select(f => f.Name).ShouldBe(
            ["moe.dev_epgroups.yaml", "moe.dev_threefsclusters.yaml", "moe.dev_trainingjobs.yaml"], ignoreOrder: true);
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldAllBe(line => line.StartsWith("unchanged", StringComparison.Ordinal));
    }
}
