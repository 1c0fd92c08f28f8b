using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Cli.Top;

/// <summary>
/// Reads what <c>moe top</c> shows: the EPGroups, ThreeFSClusters and TrainingJobs of a namespace (or all), and each
/// group's worker /metrics through the API server's pods/proxy, so it works from a laptop as well as in the cluster
/// (it needs get on the three kinds, list on pods and get on pods/proxy).
/// </summary>
internal sealed class TopReader(KubernetesJsonClient api)
{
    public async Task<TopSnapshot> ReadAsync(string? ns, CancellationToken cancellationToken)
    {
        var groups = await ListAsync(Kinds.EPGroup.Plural, ns, cancellationToken);
        var clusters = await ListAsync(Kinds.ThreeFSCluster.Plural, ns, cancellationToken);
        var jobs = await ListAsync(Kinds.TrainingJob.Plural, ns, cancellationToken);
        var workers = new Dictionary<string, GroupWorkers>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            workers[TopSnapshot.Key(group)] = await WorkersAsync((string)group["metadata"]!["namespace"]!, (string)group["metadata"]!["name"]!, cancellationToken);
        }

        return new TopSnapshot(groups, clusters, jobs, workers);
    }

    /// <summary>One group, or null when the namespace has no EPGroup of that name.</summary>
    public async Task<JsonObject?> GroupAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var (status, body) = await api.SendAsync(HttpMethod.Get, $"/apis/{ApiGroup.ApiVersion}/namespaces/{ns}/{Kinds.EPGroup.Plural}/{name}", cancellationToken: cancellationToken);
        return status == HttpStatusCode.NotFound ? null : Checked(status, body, $"get epgroup {ns}/{name}").AsObject();
    }

    /// <summary>The samples every running pod of the group serves on its metrics port; a pod that does not answer is skipped.</summary>
    public async Task<GroupWorkers> WorkersAsync(string ns, string group, CancellationToken cancellationToken)
    {
        var selector = Uri.EscapeDataString($"{EPGroupNames.GroupLabel}={group}");
        var (status, body) = await api.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods?labelSelector={selector}", cancellationToken: cancellationToken);
        var pods = Checked(status, body, $"list pods of epgroup {ns}/{group}")["items"]!.AsArray().OfType<JsonObject>().ToList();
        var samples = new List<ExpositionSample>();
        var read = 0;
        foreach (var pod in pods.Where(p => (string?)p["status"]?["phase"] == "Running"))
        {
            var port = EPGroupNames.MetricsPort.ToString(CultureInfo.InvariantCulture);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await api.OpenAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/{pod["metadata"]!["name"]}:{port}/proxy/metrics", null, "application/json", HttpCompletionOption.ResponseContentRead, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    samples.AddRange(ExpositionSamples.Parse(await response.Content.ReadAsStringAsync(timeout.Token)));
                    read++;
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A rank still starting (or restarting) serves no metrics yet; the view says how many pods answered.
            }
        }

        return new GroupWorkers(samples, read, pods.Count);
    }

    private async Task<IReadOnlyList<JsonObject>> ListAsync(string plural, string? ns, CancellationToken cancellationToken)
    {
        var path = ns is null ? $"/apis/{ApiGroup.ApiVersion}/{plural}" : $"/apis/{ApiGroup.ApiVersion}/namespaces/{ns}/{plural}";
        var (status, body) = await api.SendAsync(HttpMethod.Get, path, cancellationToken: cancellationToken);
        return [.. Checked(status, body, $"list {plural}")["items"]!.AsArray().OfType<JsonObject>()
            .OrderBy(o => (string?)o["metadata"]?["namespace"], StringComparer.Ordinal)
            .ThenBy(o => (string?)o["metadata"]?["name"], StringComparer.Ordinal)];
    }

    private static JsonNode Checked(HttpStatusCode status, JsonNode? body, string what) =>
        (int)status is >= 200 and < 300 && body is not null
            ? body
            : throw new TopReadException($"{what}: the API server answered {(int)status}: {(string?)body?["message"] ?? "no message"}");
}

/// <summary>The API server refused or failed a read <c>moe top</c> needs.</summary>
internal sealed class TopReadException(string message) : Exception(message);
