using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Cli;
using MoeOperator.Controllers;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

public sealed class RenderCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static FileInfo[] Sample(string name) => [new(RepoPaths.Of("crds", "samples", name))];

    [Fact]
    public void Render_PrintsWhatTheKindsBuildersReturn_ForTheDefaultedResource()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var module = new EchoModule();

        var code = RenderCommand.Run(Sample("trainingjob-minimal.yaml"), [module], new OperatorSettings("registry.local/worker:9"), stdout, stderr);

        code.ShouldBe(0, stderr.ToString());
        var documents = YamlDocuments.Parse(stdout.ToString());
        documents.Count.ShouldBe(2);
        documents.Select(d => (string?)d["metadata"]!["name"]).ShouldBe(["first", "second"]);
        ((string?)documents[0]["data"]!["image"]).ShouldBe("registry.local/worker:9");
        ((string?)module.Seen.ShouldHaveSingleItem()["spec"]!["failurePolicy"]!["initialBackoff"]).ShouldBe("10s", "the builders see the resource with the server's defaults applied");
        stderr.ToString().ShouldContain("trainingjob/");
        stderr.ToString().ShouldContain(": 2 objects");
    }

    [Fact]
    public void Render_OfAKindWithoutBuilders_SaysSoAndFails()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = RenderCommand.Run(Sample("threefscluster-minimal.yaml"), [new EchoModule()], new OperatorSettings("w"), stdout, stderr);

        code.ShouldBe(1);
        stdout.ToString().ShouldBeEmpty();
        stderr.ToString().ShouldContain("has no builders for ThreeFSCluster");
    }

    [Fact]
    public void Render_OfAnInvalidResource_PrintsTheServersErrorAndNothingElse()
    {
        var file = _scratch.Path("bad.yaml");
        File.WriteAllText(file, File.ReadAllText(Sample("epgroup-minimal.yaml")[0].FullName).Replace("ranks: 4", "ranks: 0", StringComparison.Ordinal));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = RenderCommand.Run([new FileInfo(file)], [new EchoModule()], new OperatorSettings("w"), stdout, stderr);

        code.ShouldBe(1);
        stdout.ToString().ShouldBeEmpty();
        stderr.ToString().ShouldContain("spec.ranks");
    }

    /// <summary>A kind module whose builders return two ConfigMaps naming the worker image.</summary>
    private sealed class EchoModule : IKindModule
    {
        public List<JsonObject> Seen { get; } = [];

        public string Kind => "TrainingJob";

        public IReadOnlyList<JsonObject> Render(JsonObject resource, OperatorSettings settings)
        {
            Seen.Add(resource);
            return [ConfigMap("first", settings.WorkerImage), ConfigMap("second", settings.WorkerImage)];
        }

        public ControllerRegistration? Controller(OperatorSettings settings) => throw new NotSupportedException("render needs no controller");

        private static JsonObject ConfigMap(string name, string image) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["data"] = new JsonObject { ["image"] = image },
        };
    }
}
