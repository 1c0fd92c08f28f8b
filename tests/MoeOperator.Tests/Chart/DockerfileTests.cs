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
    [MemberData(nameof(ExecutableProjects))]
    public void TheRuntimeImage_HasEveryFrameworkTheExecutableNeeds(string project)
    {
        // The runtimeconfig the build writes lists the shared frameworks the program needs at start; ASP.NET Core
        // (Kestrel serves /metrics and the probes) is not in the plain runtime image.
        var assembly = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(RepoPaths.Of("src", project, $"{project}.csproj")), "<AssemblyName>(.+)</AssemblyName>").Groups[1].Value;
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, $"{assembly}.runtimeconfig.json")))!;
        var frameworks = config["runtimeOptions"]!["frameworks"]!.AsArray().Select(f => (string?)f!["name"]).ToList();
        var runtimeImage = File.ReadAllLines(RepoPaths.Of("src", project, "Dockerfile")).Last(l => l.StartsWith("FROM ", StringComparison.Ordinal));

        if (frameworks.Contains("Microsoft.AspNetCore.App"))
        {
            runtimeImage.ShouldContain("mcr.microsoft.com/dotnet/aspnet:", Case.Sensitive, $"{assembly} needs ASP.NET Core at start");
        }
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
        var dockerfile = File.ReadAllText(RepoPaths.Of("src", "MoeOperator.Operator", "Dockerfile"));

        values.ShouldContain("repository: ghcr.io/moe-operator/moe-operator");
        dockerfile.ShouldContain("ghcr.io/moe-operator/moe-operator");
        dockerfile.ShouldContain("ENTRYPOINT [\"dotnet\", \"/app/moe-operator.dll\"]");
    }

    [Fact]
    public void TheOperatorImage_HoldsTheOperatorOnly_NoWorkerKernelsOrDevCluster()
    {
        var dockerfile = File.ReadAllLines(RepoPaths.Of("src", "MoeOperator.Operator", "Dockerfile"));
        dockerfile.ShouldNotContain(l => l.StartsWith("COPY native/ ", StringComparison.Ordinal) || l.Contains("MoeOperator.Worker", StringComparison.Ordinal) || l.Contains("MoeOperator.DevCluster", StringComparison.Ordinal));
        foreach (var copied in dockerfile.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)).SelectMany(l => l.Split(' ')[1..^1]))
        {
            // Every file and folder the build stage copies exists, and what MSBuild imports from the repository is among them.
            (File.Exists(RepoPaths.Of(copied)) || Directory.Exists(RepoPaths.Of(copied))).ShouldBeTrue($"{copied} does not exist");
        }

        dockerfile.ShouldContain(l => l.Contains("native/torchsharp-compat/TorchSharpCompat.targets", StringComparison.Ordinal), "Directory.Build.targets imports it");

        // What the operator executable depends on, as the build resolved it: none of LibTorch, the worker or the dev cluster.
        var deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "moe-operator.deps.json"));
        var libraries = System.Text.Json.Nodes.JsonNode.Parse(deps)!["libraries"]!.AsObject().Select(l => l.Key.Split('/')[0]).ToList();
        libraries.ShouldContain("MoeOperator.Runtime");
        libraries.ShouldNotContain(l => l.StartsWith("TorchSharp", StringComparison.Ordinal) || l.StartsWith("libtorch", StringComparison.Ordinal));
        libraries.ShouldNotContain("MoeOperator.Worker");
        libraries.ShouldNotContain("MoeOperator.DevCluster");
    }
}
