using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

public sealed class MergePatchTests
{
    [Fact]
    public void TheDiff_HoldsOnlyWhatChanged_NullForWhatWentAway_AndArraysWhole()
    {
        var before = JsonNode.Parse("""{"phase":"Running","restarts":1,"lastFailure":{"pod":"p-0","reason":"PodFailed"},"placement":[{"node":"a"},{"node":"b"}],"expertMap":{"version":2,"imbalance":1.4}}""");
        var after = JsonNode.Parse("""{"phase":"Running","restarts":1,"placement":[{"node":"a"},{"node":"c"}],"expertMap":{"version":3,"imbalance":1.4}}""");

        var patch = MergePatch.Diff(before, after)!;

        JsonNode.DeepEquals(patch, JsonNode.Parse("""{"lastFailure":null,"placement":[{"node":"a"},{"node":"c"}],"expertMap":{"version":3}}""")).ShouldBeTrue(patch.ToJsonString());
        MergePatch.Diff(after, after!.DeepClone()).ShouldBeNull("an unchanged status is no write at all");
    }

    [Fact]
    public void ApplyingTheDiff_GivesTheNewState_ForThousandsOfRandomPairs()
    {
        var random = new Random(11);
        JsonNode? Value(int depth) => random.Next(depth > 2 ? 3 : 6) switch
        {
            0 => random.Next(4),
            1 => $"s{random.Next(3)}",
            2 => new JsonArray(Value(depth + 1), Value(depth + 1)),
            _ => Object(depth + 1),
        };
        JsonObject Object(int depth) => new([.. Enumerable.Range(0, random.Next(4)).Select(i => new KeyValuePair<string, JsonNode?>($"k{random.Next(5)}", Value(depth))).DistinctBy(p => p.Key)]);

        for (var i = 0; i < 3000; i++)
        {
            var before = Object(0);
            var after = Object(0);

            // Applied by the dev API server's own RFC 7386 implementation, an independent reference.
            var applied = DevCluster.Patching.MergePatch.Apply(before, MergePatch.Diff(before, after) ?? new JsonObject());

            JsonNode.DeepEquals(applied, after).ShouldBeTrue($"{before.ToJsonString()} -> {after.ToJsonString()} gave {applied?.ToJsonString()}");
        }
    }
}
