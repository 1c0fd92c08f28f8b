using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Chart;

/// <summary>Renders charts/moe-operator with the real helm binary.</summary>
internal static class RenderedChart
{
    public static string ChartDirectory => RepoPaths.Of("charts", "moe-operator");

    public static ProcessResult Helm(params string[] arguments) => Tools.Run(Tools.Helm, arguments);

    public static string Template(params string[] setValues)
    {
        var arguments = new List<string> { "template", "moe", ChartDirectory, "--namespace", "moe-system" };
        foreach (var value in setValues)
        {
            arguments.AddRange(["--set", value]);
        }

        var result = Tools.Run(Tools.Helm, arguments);
        result.ExitCode.ShouldBe(0, result.Output);
        return result.Stdout;
    }

    public static IReadOnlyList<JsonObject> Objects(params string[] setValues) => YamlDocuments.Parse(Template(setValues));

    public static JsonObject Single(IEnumerable<JsonObject> objects, string kind) =>
        objects.Where(o => (string?)o["kind"] == kind).ShouldHaveSingleItem($"one {kind}");

    /// <summary>The operator's own ClusterRole (not the ones the chart adds to view and edit).</summary>
    public static JsonObject OperatorClusterRole(IEnumerable<JsonObject> objects) =>
        objects.Where(o => (string?)o["kind"] == "ClusterRole" && o["metadata"]?["labels"]?["rbac.authorization.k8s.io/aggregate-to-view"] is null && o["metadata"]?["labels"]?["rbac.authorization.k8s.io/aggregate-to-edit"] is null)
            .ShouldHaveSingleItem("one ClusterRole of the operator's own");

    /// <summary>Every optional part switched on, so that everything the chart can render is checked.</summary>
    public static readonly string[] EverythingOn =
        ["serviceMonitor.enabled=true", "workerPodMonitor.enabled=true", "prometheusRule.enabled=true", "dashboards.enabled=true", "externalGangScheduler.enabled=true"];
}
