using System.Net;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Cli;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Testing;
using MoeOperator.Tests.Controllers;

namespace MoeOperator.Tests.Security;

/// <summary>
/// Every resource of the invalid-resource corpus, sent to the dev cluster's API server as kubectl sends it (strict
/// field validation) while the operator runs: each is refused with its field named, and with exactly the message
/// `moe validate` prints for the same file; afterwards the API server and the operator still work.
/// </summary>
public sealed class InvalidResourceCorpusTests : IAsyncLifetime
{
    private const string Ns = "corpus";
    private OperatorDevCluster _dev = null!;

    public async Task InitializeAsync() => _dev = await OperatorDevCluster.StartAsync(
        Ns,
        new NodePoolSpec { Nodes = 2, GpusPerNode = 2 },
        data => new KubeletOptions { DataDirectory = data, SimulatedStartDelay = TimeSpan.FromMilliseconds(200), SyncPeriod = TimeSpan.FromMilliseconds(100) },
        OperatorDevCluster.AllControllers());

    public async Task DisposeAsync() => await _dev.DisposeAsync();

    [Fact]
    public async Task EveryInvalidResource_IsRefusedByTheServer_WithTheMessageMoeValidatePrints_AndNothingBreaks()
    {
        var mismatches = new List<string>();
        foreach (var input in InvalidResourceCorpus.All)
        {
            var obj = input.Build();
            obj["metadata"]!.AsObject()["namespace"] = Ns;
            var file = _dev.ScratchPath($"{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(file, obj.ToJsonString());
            using var stdout = new StringWriter();
            var validateCode = ValidateCommand.Run([new FileInfo(file)], stdout);
            var validated = stdout.ToString().Split('\n')[0].Replace($"{file}: ", "", StringComparison.Ordinal).Trim();

            var plural = Kinds.All.Single(k => k.Kind == (string?)obj["kind"]).Plural;
            var (status, body) = await _dev.Json.SendAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/{plural}?fieldValidation=Strict", obj);
            var served = (string?)body?["message"] ?? body?.ToJsonString() ?? "";

            if (validateCode == 0 || status is not (HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity) || served != validated || !served.Contains(input.Field, StringComparison.Ordinal))
            {
                mismatches.Add($"{input}: server {(int)status} \"{Shorten(served)}\"; moe validate exit {validateCode} \"{Shorten(validated)}\"");
            }
        }

        mismatches.ShouldBeEmpty();
        // The server still answers, and the operator still reconciles what is valid.
        await _dev.CreateAsync(Kinds.EPGroup.Plural, InvalidResourceCorpus.All[0] with { Edits = [] } is var valid ? WithNamespace(valid.Build()) : null!);
        await _dev.WaitForStatusAsync(Kinds.EPGroup.Plural, "ep-minimal", s => s?["phase"] is not null, "the valid group to get a status", TimeSpan.FromSeconds(60), () => Task.FromResult(""));
    }

    private static JsonObject WithNamespace(JsonObject obj)
    {
        obj["metadata"]!.AsObject()["namespace"] = Ns;
        return obj;
    }

    // A 1 MiB value would drown the report.
    private static string Shorten(string text) => text.Length <= 600 ? text : $"{text[..300]}...({text.Length} characters)...{text[^300..]}";
}
