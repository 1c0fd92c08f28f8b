using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.Tests.Security;

/// <summary>The scan the end-to-end chart test runs finds a Secret's value wherever else it is copied.</summary>
public sealed class SecretsScanTests : IAsyncLifetime
{
    private const string Token = "s3cr3t-admin-token-value";
    private DevApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await DevApiServer.StartAsync(new DevApiServerOptions());
        Create("", "v1", "namespaces", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ns" } });
        Create("", "v1", "secrets", "ns", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "token" },
            ["data"] = new JsonObject { ["token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Token)) },
        });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private void Create(string group, string version, string plural, string? ns, JsonObject obj) =>
        _server.Service.Create(_server.Service.Type(group, version, plural), ns, obj, RequestOptions.Default);

    [Fact]
    public void NothingCopied_PassesTheScan() =>
        SecretsScan.ShouldFindNoSecretOutsideItsSecret(_server.Service, ["reconciled 3FS cluster ns/demo"]);

    [Fact]
    public void AValueCopiedIntoAPodsEnvironment_OrALogLine_IsFound()
    {
        Create("", "v1", "pods", "ns", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "leaky" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i", ["env"] = new JsonArray(new JsonObject { ["name"] = "TOKEN", ["value"] = Token }) }) },
        });

        var podLeak = Should.Throw<ShouldAssertException>(() => SecretsScan.ShouldFindNoSecretOutsideItsSecret(_server.Service, []));
        podLeak.Message.ShouldContain("Secret ns/token key token appears in pods ns/leaky");
        var logLeak = Should.Throw<ShouldAssertException>(() => SecretsScan.ShouldFindNoSecretOutsideItsSecret(_server.Service, [$"using token {Token}"]));
        logLeak.Message.ShouldContain("appears in the operator's log");
    }
}
