using System.Text.RegularExpressions;
using MoeOperator.Api.Schema;

namespace MoeOperator.Tests.Chart;

public sealed partial class AlertRunbookTests
{
    [Fact]
    public void EveryAlert_HasARunbookInTheChartReadme_AndEveryRunbookAnAlert()
    {
        var rules = YamlDocuments.Parse(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "rules", "moe-operator.rules.yaml"))).ShouldHaveSingleItem();
        var alerts = rules["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => (string?)r!["alert"]).OfType<string>().ToList();
        var runbooks = Runbook().Matches(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "README.md"))).Select(m => m.Groups[1].Value).ToList();

        alerts.ShouldNotBeEmpty();
        runbooks.ShouldBe(alerts, ignoreOrder: true, "charts/moe-operator/README.md, Alerts and runbooks: one ### section per alert of rules/");
    }

    [GeneratedRegex(@"^### (Moe[A-Za-z]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Runbook();
}
