using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Cli.Top;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli.Top;

public sealed class ExpositionSamplesTests
{
    private const string Histogram = """
        # HELP moe_worker_dispatch_seconds Dispatch latency.
        # TYPE moe_worker_dispatch_seconds histogram
        moe_worker_dispatch_seconds_bucket{rank="0",le="0.1"} 1
        moe_worker_dispatch_seconds_bucket{rank="0",le="0.2"} 4
        moe_worker_dispatch_seconds_bucket{rank="0",le="0.4"} 5
        moe_worker_dispatch_seconds_bucket{rank="0",le="+Inf"} 6
        moe_worker_dispatch_seconds_bucket{rank="1",le="0.1"} 1
        moe_worker_dispatch_seconds_bucket{rank="1",le="0.2"} 2
        moe_worker_dispatch_seconds_bucket{rank="1",le="0.4"} 3
        moe_worker_dispatch_seconds_bucket{rank="1",le="+Inf"} 4
        moe_worker_dispatch_seconds_sum{rank="0"} 1.5
        moe_worker_dispatch_seconds_count{rank="0"} 6
        moe_worker_tokens_per_second{rank="0"} 1000.5
        moe_worker_tokens_per_second{rank="1"} 24.5
        moe_worker_tokens_per_second_total_other{rank="1"} 7
        moe_worker_label_escapes{path="a \"quoted\" \\ value",other="x"} 3 1700000000000
        """;

    [Fact]
    public void Parse_ReadsNamesLabelsAndValues_WithEscapesAndTimestamps()
    {
        var samples = ExpositionSamples.Parse(Histogram);

        samples.Count.ShouldBe(14);
        var escaped = samples.Single(s => s.Name == "moe_worker_label_escapes");
        escaped.Labels["path"].ShouldBe("a \"quoted\" \\ value");
        escaped.Labels["other"].ShouldBe("x");
        escaped.Value.ShouldBe(3);
        ExpositionSamples.Sum(samples, "moe_worker_tokens_per_second").ShouldBe(1025, "the sum over ranks, and not the metric whose name only starts the same");
    }

    // Summed over ranks the buckets are le 0.1: 2, 0.2: 6, 0.4: 8, +Inf: 10. The median's rank is 5, inside (0.1, 0.2]
    // which holds observations 3 to 6: 0.1 + 0.1 * (5 - 2) / (6 - 2) = 0.175. The 0.99 quantile's rank 9.9 is in +Inf,
    // where Prometheus answers the highest finite bound, 0.4. The 0.1 quantile's rank 1 is in the first bucket, whose
    // lower bound is 0: 0 + 0.1 * 1 / 2 = 0.05.
    [Theory]
    [InlineData(0.5, 0.175)]
    [InlineData(0.99, 0.4)]
    [InlineData(0.1, 0.05)]
    public void Quantile_InterpolatesAsPrometheusDoes(double q, double expected)
    {
        ExpositionSamples.Quantile(ExpositionSamples.Parse(Histogram), "moe_worker_dispatch_seconds", q)!.Value.ShouldBe(expected, 1e-12);

        // Prometheus itself agrees on the same buckets (promtool's PromQL unit test of histogram_quantile).
        var reference = PromtoolQuantile(q, expected);
        reference.ExitCode.ShouldBe(0, reference.Output);
    }

    [Fact]
    public void Quantile_OfAHistogramWithoutObservations_IsNone()
    {
        ExpositionSamples.Quantile(ExpositionSamples.Parse("m_bucket{le=\"1\"} 0\nm_bucket{le=\"+Inf\"} 0\n"), "m", 0.5).ShouldBeNull();
        ExpositionSamples.Quantile([], "m", 0.5).ShouldBeNull();
    }

    [Fact]
    public void ThePromtoolReference_RefusesAWrongValue()
    {
        PromtoolQuantile(0.5, 0.2).ExitCode.ShouldNotBe(0, "a value Prometheus does not compute must fail the reference");
    }

    private static ProcessResult PromtoolQuantile(double q, double expected)
    {
        var buckets = ExpositionSamples.Parse(Histogram).Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
        var test = new JsonObject
        {
            ["rule_files"] = new JsonArray(),
            ["evaluation_interval"] = "1m",
            ["tests"] = new JsonArray(new JsonObject
            {
                ["interval"] = "1m",
                ["input_series"] = new JsonArray([.. buckets.Select(b => new JsonObject
                {
                    ["series"] = $"moe_worker_dispatch_seconds_bucket{{rank=\"{b.Labels["rank"]}\",le=\"{b.Labels["le"]}\"}}",
                    ["values"] = b.Value.ToString(CultureInfo.InvariantCulture),
                })]),
                ["promql_expr_test"] = new JsonArray(new JsonObject
                {
                    // 1 when Prometheus' quantile is the expected value to within rounding (its arithmetic is not ours).
                    ["expr"] = $"abs(histogram_quantile({q.ToString(CultureInfo.InvariantCulture)}, sum by (le) (moe_worker_dispatch_seconds_bucket)) - {expected.ToString("R", CultureInfo.InvariantCulture)}) < bool 1e-9",
                    ["eval_time"] = "0m",
                    ["exp_samples"] = new JsonArray(new JsonObject { ["labels"] = "{}", ["value"] = 1 }),
                }),
            }),
        };
        using var scratch = new ScratchDirectory();
        var file = scratch.Path("quantile.test.yaml");
        File.WriteAllText(file, test.ToJsonString());
        return Tools.Run(Tools.Promtool, ["test", "rules", file]);
    }
}
