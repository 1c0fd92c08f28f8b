using MoeOperator.Testing;

namespace MoeOperator.Tests.Chart;

public sealed class DockerfileTests
{
    public static TheoryData<string> ExecutableProjects =>
    [
        .. Directory.GetFiles(RepoPaths.Of("src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("<OutputType>Exe</OutputType>", StringComparison.Ordinal))
            .Select(p => Path.GetFileName(Path.GetDirectoryName(p)!)),
    ];

    [Theory]
    [MemberData(nameof(ExecutableProjects))]
    public void ExecutableProject_HasAMultiStageNonRootDockerfile(string project)
    {
        var path = RepoPaths.Of("src", project, "Dockerfile");
        File.Exists(path).ShouldBeTrue($"{project} is an executable without a Dockerfile");
        var lines = File.ReadAllLines(path);

        lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(2, "build and runtime stages");
        lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal)).ShouldNotContain("root");
        lines.ShouldContain(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("MoeOperator")]
    [InlineData("MoeOperator.Worker")]
    public void ImageThatBuildsTheWorker_InstallsWhatNativeBuildsWith(string project)
    {
        // Building the worker runs CMake on native/; the SDK image has neither CMake nor a C++ compiler.
        var lines = File.ReadAllLines(RepoPaths.Of("src", project, "Dockerfile"));
        lines.ShouldContain(l => l.StartsWith("COPY native/", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("RUN apt-get", StringComparison.Ordinal) && l.Contains(" cmake ", StringComparison.Ordinal) && l.Contains(" g++ ", StringComparison.Ordinal));
        File.ReadAllText(RepoPaths.Of(".dockerignore")).ShouldContain("native/build/", Case.Sensitive, "a CMake cache from the host breaks the image build");
    }

    [Fact]
    public void ChartImage_IsBuiltByTheOperatorDockerfile()
    {
        var values = File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "values.yaml"));
        var dockerfile = File.ReadAllText(RepoPaths.Of("src", "MoeOperator", "Dockerfile"));

        values.ShouldContain("repository: ghcr.io/moe-operator/moe-operator");
        dockerfile.ShouldContain("ghcr.io/moe-operator/moe-operator");
    }
}
