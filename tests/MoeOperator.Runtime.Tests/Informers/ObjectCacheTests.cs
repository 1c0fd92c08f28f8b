using System.Text.Json.Nodes;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Runtime.Tests.Informers;

/// <summary>The cache's indexes answer exactly what a scan of every object would, through any sequence of changes.</summary>
public sealed class ObjectCacheTests
{
    private static JsonObject Pod(string ns, string name, string? owner, Dictionary<string, string> labels) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["namespace"] = ns,
            ["name"] = name,
            ["labels"] = new JsonObject([.. labels.Select(l => new KeyValuePair<string, JsonNode?>(l.Key, l.Value))]),
            ["ownerReferences"] = owner is null ? null : new JsonArray(new JsonObject { ["uid"] = owner }),
        },
    };

    private static List<string> Names(IEnumerable<JsonObject> objects) =>
        [.. objects.Select(o => $"{o["metadata"]!["namespace"]}/{o["metadata"]!["name"]}").Order(StringComparer.Ordinal)];

    [Fact]
    public void AnObjectWhoseLabelsAndOwnerChange_IsFoundUnderTheNewOnesOnly_AndNowhereOnceRemoved()
    {
        var cache = new ObjectCache();
        cache.Upsert(Pod("a", "p", "uid-1", new() { ["app"] = "web" }));

        cache.Upsert(Pod("a", "p", "uid-2", new() { ["app"] = "db" }));

        cache.ByLabel("app", "web").ShouldBeEmpty();
        Names(cache.ByLabel("app", "db")).ShouldBe(["a/p"]);
        cache.ByOwner("uid-1").ShouldBeEmpty();
        Names(cache.ByOwner("uid-2")).ShouldBe(["a/p"]);

        cache.Remove(new("a", "p"));
        cache.ByOwner("uid-2").ShouldBeEmpty();
        cache.ByLabel("app", "db").ShouldBeEmpty();
        cache.List("a").ShouldBeEmpty();
    }

    [Fact]
    public void Lookups_HandOutCopies_AndSelectReadsInPlace()
    {
        var cache = new ObjectCache();
        cache.Upsert(Pod("a", "p", "uid-1", new() { ["app"] = "web" }));

        cache.ByOwner("uid-1")[0]["metadata"]!["labels"]!["app"] = "changed";

        Names(cache.ByLabel("app", "web")).ShouldBe(["a/p"], "editing a copy changes neither the object nor the index");
        cache.Select(o => (string?)o["metadata"]!["name"]).ShouldBe(["p"]);
    }

    [Fact]
    public void ACachedProjection_IsComputedOncePerStoredVersion_AndAgainForANewOne()
    {
        var cache = new ObjectCache();
        var computed = 0;
        var app = new CachedProjection<string?>(o =>
        {
            computed++;
            return (string?)o["metadata"]!["labels"]!["app"];
        });
        cache.Upsert(Pod("a", "p", null, new() { ["app"] = "web" }));
        cache.Upsert(Pod("a", "q", null, new() { ["app"] = "db" }));

        cache.Select(app).Order(StringComparer.Ordinal).ShouldBe(["db", "web"]);
        cache.Select(app).Order(StringComparer.Ordinal).ShouldBe(["db", "web"]);
        computed.ShouldBe(2, "the second read finds both objects as they were");

        cache.Upsert(Pod("a", "p", null, new() { ["app"] = "api" }));
        cache.Select(app).Order(StringComparer.Ordinal).ToList().ShouldBe(["api", "db"], "a changed object is projected again");
        computed.ShouldBe(3);
    }

    [Fact]
    public void ThousandsOfRandomChanges_TheIndexesAgreeWithAScan()
    {
        var random = new Random(7);
        var cache = new ObjectCache();
        var truth = new Dictionary<(string, string), JsonObject>();
        string Pick(string prefix, int count) => $"{prefix}{random.Next(count)}";
        for (var step = 0; step < 5000; step++)
        {
            var (ns, name) = (Pick("ns", 3), Pick("p", 40));
            if (random.Next(4) == 0)
            {
                cache.Remove(new(ns, name));
                truth.Remove((ns, name));
            }
            else
            {
                var labels = Enumerable.Range(0, random.Next(3)).ToDictionary(i => $"k{i}", _ => Pick("v", 3));
                var pod = Pod(ns, name, random.Next(3) == 0 ? null : Pick("uid-", 5), labels);
                cache.Upsert(pod.DeepClone().AsObject());
                truth[(ns, name)] = pod;
            }

            if (step % 250 == 0 || step == 4999)
            {
                foreach (var uid in Enumerable.Range(0, 5).Select(i => $"uid-{i}"))
                {
                    Names(cache.ByOwner(uid)).ShouldBe(Names(truth.Values.Where(p => (string?)p["metadata"]!["ownerReferences"]?[0]?["uid"] == uid)));
                }

                foreach (var value in Enumerable.Range(0, 3).Select(i => $"v{i}"))
                {
                    Names(cache.ByLabel("k1", value)).ShouldBe(Names(truth.Values.Where(p => (string?)p["metadata"]!["labels"]!["k1"] == value)));
                }

                Names(cache.List("ns1")).ShouldBe(Names(truth.Values.Where(p => (string?)p["metadata"]!["namespace"] == "ns1")));
                cache.Count.ShouldBe(truth.Count);
            }
        }
    }
}
