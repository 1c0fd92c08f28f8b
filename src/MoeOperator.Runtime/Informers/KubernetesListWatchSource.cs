using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;

namespace MoeOperator.Runtime.Informers;

/// <summary>
/// Lists and watches one collection through KubernetesClient's authenticated HTTP client: paged lists, watches
/// with bookmarks and a server-side timeout, and 410 Expired (a list's continue token or a watch ERROR event)
/// turned into <see cref="ResourceExpiredException"/>. Works for any kind, built-in or custom, as JSON.
/// </summary>
/// <param name="client">The client; its credentials sign every request.</param>
/// <param name="collectionPath">For example <c>/api/v1/namespaces/ns/configmaps</c> or <c>/apis/moe.dev/v1alpha1/epgroups</c>.</param>
/// <param name="pageSize">Objects per list page.</param>
/// <param name="watchTimeout">How long the server keeps one watch open before the informer resumes it.</param>
public sealed class KubernetesListWatchSource(Kubernetes client, string collectionPath, int pageSize = 500, TimeSpan? watchTimeout = null) : IListWatchSource
{
    private readonly Client.KubernetesJsonClient _json = new(client);
    private readonly int _watchSeconds = (int)(watchTimeout ?? TimeSpan.FromMinutes(5)).TotalSeconds;

    public async Task<(IReadOnlyList<JsonObject> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        string? resourceVersion = null;
        string? next = null;
        do
        {
            var query = $"limit={pageSize}" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next));
            using var response = await SendAsync($"{collectionPath}?{query}", HttpCompletionOption.ResponseContentRead, cancellationToken);
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            resourceVersion ??= (string?)page["metadata"]?["resourceVersion"];
            next = (string?)page["metadata"]?["continue"];
            items.AddRange(page["items"]?.AsArray().OfType<JsonObject>().Select(i => i.DeepClone().AsObject()) ?? []);
        }
        while (!string.IsNullOrEmpty(next));

        return (items, resourceVersion ?? "");
    }

    public async IAsyncEnumerable<WatchedEvent> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = $"watch=true&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={_watchSeconds.ToString(CultureInfo.InvariantCulture)}";
        using var response = await SendAsync($"{collectionPath}?{query}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (JsonNode.Parse(line) is not JsonObject watched)
            {
                continue;
            }

            var type = (string?)watched["type"] ?? "";
            var obj = watched["object"] as JsonObject ?? [];
            if (type == "ERROR")
            {
                var message = (string?)obj["message"] ?? "watch failed";
                throw (int?)obj["code"] == 410 ? new ResourceExpiredException(message) : new InvalidOperationException($"watch of {collectionPath} failed: {message}");
            }

            yield return new WatchedEvent(type, obj.DeepClone().AsObject());
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string pathAndQuery, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var response = await _json.OpenAsync(HttpMethod.Get, pathAndQuery, null, "application/json", completion, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw response.StatusCode == HttpStatusCode.Gone
                ? new ResourceExpiredException(body)
                : new HttpRequestException($"GET {pathAndQuery} answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }
    }
}
