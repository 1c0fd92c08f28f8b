using MoeOperator.Cli;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Run_Samples_AllValid()
    {
        var output = new StringWriter();

        var exit = ValidateCommand.Run([new DirectoryInfo(RepoPaths.Of("crds", "samples"))], output);

        exit.ShouldBe(0, output.ToString());
        output.ToString().ShouldContain("8 valid, 0 invalid");
    }

    [Fact]
    public void Run_InvalidResource_ExitsOneAndNamesTheField()
    {
        var file = _scratch.Path("bad.yaml");
        File.WriteAllText(file, """
            apiVersion: moe.dev/v1alpha1
            kind: EPGroup
            metadata:
              name: odd
            spec:
              ranks: 3
              ranksPerNode: 2
              image: worker
            """);
        var output = new StringWriter();

        var exit = ValidateCommand.Run([new FileInfo(file)], output);

        exit.ShouldBe(1);
        output.ToString().ShouldContain("EPGroup.moe.dev \"odd\" is invalid");
        output.ToString().ShouldContain("spec.ranks: Invalid value");
    }

    [Fact]
    public void Run_OtherKinds_AreSkippedNotFailed()
    {
        var file = _scratch.Path("mixed.yaml");
        File.WriteAllText(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
            + File.ReadAllText(RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml")));
        var output = new StringWriter();

        var exit = ValidateCommand.Run([new FileInfo(file)], output);

        exit.ShouldBe(0, output.ToString());
        output.ToString().ShouldContain("ConfigMap v1: skipped");
        output.ToString().ShouldContain("1 valid, 0 invalid");
    }

    [Fact]
    public void Run_UnreadableYaml_IsReportedForItsFile_AndTheOthersAreStillChecked()
    {
        var broken = _scratch.Path("broken.yaml");
        File.WriteAllText(broken, "apiVersion: moe.dev/v1alpha1\nkind: EPGroup\nspec: {ranks: [1, 2\n");
        var good = RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml");
        var output = new StringWriter();

        var exit = ValidateCommand.Run([new FileInfo(broken), new FileInfo(good)], output);

        exit.ShouldBe(1);
        output.ToString().ShouldContain($"{broken}: cannot be read: ");
        output.ToString().ShouldContain("1 valid, 1 invalid");
    }

    [Fact]
    public void Run_MissingFile_Throws()
    {
        Should.Throw<FileNotFoundException>(() => ValidateCommand.Run([new FileInfo(_scratch.Path("nope.yaml"))], TextWriter.Null));
    }
}
