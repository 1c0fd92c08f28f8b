using MoeOperator.Hosting;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Hosting;

public sealed class DevClusterFlagsTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void NodePoolFile_SetsTheFieldsItNames_AndKeepsDefaultsForTheRest()
    {
        var file = _scratch.Path("pool.yaml");
        File.WriteAllText(file, "nodes: 8\ngpusPerNode: 8\nnodesPerLeaf: 4\ntaints: [\"dedicated=gpu:NoSchedule\"]\nlabels:\n  team: research\n");

        var pool = DevClusterFlags.ReadPool(file);

        pool.Nodes.ShouldBe(8);
        pool.GpusPerNode.ShouldBe(8);
        pool.NodesPerLeaf.ShouldBe(4);
        pool.Taints.ShouldBe(["dedicated=gpu:NoSchedule"]);
        pool.Labels["team"].ShouldBe("research");
        pool.RdmaPerNode.ShouldBe(2);
    }

    [Theory]
    [InlineData("gpusPerNode: -1\n", "gpus-per-node (-1) must be between 0 and 64")]
    [InlineData("taints: [\"gpu\"]\n", "taint 'gpu' must look like key=value:NoSchedule")]
    [InlineData("gpus: 8\n", "gpus")]
    public void BadNodePoolFiles_AreRefusedNamingTheProblem(string yaml, string expected)
    {
        var file = _scratch.Path("pool.yaml");
        File.WriteAllText(file, yaml);

        var error = Should.Throw<ArgumentException>(() => DevClusterFlags.ReadPool(file));

        error.Message.ShouldStartWith($"--node-pool {file}: ");
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void Programs_MapAnImageToACommandLine()
    {
        var (image, program) = DevClusterFlags.ParseProgram("ghcr.io/acme/tool=/usr/bin/python3 -u serve.py");

        image.ShouldBe("ghcr.io/acme/tool");
        program.Executable.ShouldBe("/usr/bin/python3");
        program.Arguments.ShouldBe(["-u", "serve.py"]);
        Should.Throw<ArgumentException>(() => DevClusterFlags.ParseProgram("no-command")).Message.ShouldContain("IMAGE=COMMAND");
    }
}
