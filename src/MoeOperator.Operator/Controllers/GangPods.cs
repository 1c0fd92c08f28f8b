using System.Net;
using System.Text.Json.Nodes;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Controllers;

/// <summary>What the gang controllers (EPGroup, TrainingJob) do to their pods through the API: delete them, read why one failed.</summary>
internal sealed class GangPods(KubernetesJsonClient api)
{
    /// <summary>Deletes every pod not already going (gracefully: each gets its grace period); gone ones are fine.</summary>
    public async Task DeleteAsync(IEnumerable<JsonObject> victims, CancellationToken cancellationToken)
    {
        foreach (var pod in victims.Where(p => p["metadata"]?["deletionTimestamp"] is null))
        {
            var (status, body) = await api.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{pod["metadata"]!["namespace"]}/pods/{pod["metadata"]!["name"]}", cancellationToken: cancellationToken);
            if (status is not (HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.NotFound))
            {
                throw new ApiRequestException(status, $"deleting pod {pod["metadata"]!["name"]} answered {(int)status}: {body?["message"]}");
            }
        }
    }

    /// <summary>The lines of a pod's log that say why it failed (<see cref="EPGroupFailure.LogExcerpt"/>); empty when the log cannot be read.</summary>
    public async Task<List<string>> LogTailAsync(string ns, string pod, string? container, CancellationToken cancellationToken)
    {
        // Enough of the log to find the exception's message above a long native stack, then cut to 20 lines.
        var which = container is null ? "" : $"&container={container}";
        using var response = await api.OpenAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/{pod}/log?tailLines=400{which}", null, "application/json", HttpCompletionOption.ResponseContentRead, cancellationToken);
        return response.IsSuccessStatusCode
            ? EPGroupFailure.LogExcerpt((await response.Content.ReadAsStringAsync(cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            : [];
    }
}
