using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>A 3FS image whose FoundationDB client does not match the server: nothing is initialised until it does.</summary>
[Collection(ThreeFSDevClusterCollection.Name)]
public sealed class ThreeFSVersionMismatchTests : IAsyncLifetime
{
    private const string Ns = "storage";
    private const string Name = "tfs-minimal";
    private ThreeFSDevCluster _tfs = null!;

    public async Task InitializeAsync() => _tfs = await ThreeFSDevCluster.StartAsync(Ns, TimeSpan.FromSeconds(2), fdbClientVersion: "7.1.61");

    public async Task DisposeAsync() => await _tfs.DisposeAsync();

    private static JsonNode? Condition(JsonNode? status, string type) => status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);

    [Fact]
    public async Task AClientOfAnotherRelease_StopsBootstrapBeforeInitCluster_AndStatusSaysWhy_UntilTheVersionsMatch()
    {
        await _tfs.CreateAsync(YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "threefscluster-minimal.yaml"))).Single());

        var failed = await _tfs.WaitForStatusAsync(Name, s => (string?)Condition(s, "FoundationDB")?["reason"] == "VersionMismatch", "the version mismatch in status", TimeSpan.FromSeconds(60));
        ((string?)failed["phase"]).ShouldBe("Failed");
        ((string?)Condition(failed, "FoundationDB")!["message"]).ShouldStartWith("the 3FS image's FoundationDB client is 7.1.61 but spec.foundationDB.version is 7.3.63");
        failed["completedBootstrapSteps"].ShouldBeNull("not even the check is recorded");
        var (_, jobs) = await _tfs.Json.SendAsync(HttpMethod.Get, $"/apis/batch/v1/namespaces/{Ns}/jobs");
        jobs!["items"]!.AsArray().Select(j => (string?)j!["metadata"]!["name"]).ShouldBe([$"{Name}-check-fdb-version"], "init-cluster never ran against a mismatched server");

        // Running a server of the image's release is enough: the check is read again and bootstrap goes on.
        var patch = new JsonObject { ["spec"] = new JsonObject { ["foundationDB"] = new JsonObject { ["version"] = "7.1.61" } } };
        ((int)(await _tfs.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}", patch, "application/merge-patch+json")).Status).ShouldBe(200);
        var going = await _tfs.WaitForStatusAsync(Name, s => s?["completedBootstrapSteps"]?.AsArray().Count >= 2, "bootstrap to go on", TimeSpan.FromSeconds(60));
        going["completedBootstrapSteps"]!.AsArray().Select(s => (string?)s).Take(2).ShouldBe(["check-fdb-version", "init-cluster"]);
        // The version change rolls the database's pod: the condition is False (NoProcessReady) until it is back.
        await _tfs.WaitForStatusAsync(Name, s => (string?)Condition(s, "FoundationDB")?["status"] == "True", "FoundationDB available again", TimeSpan.FromSeconds(60));
    }
}
