using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.Tests.Security;

/// <summary>
/// Secrets stay in Secrets: every value a Secret holds (the 3FS admin token, the FoundationDB cluster file, anything
/// else) must not appear in any other stored object (ConfigMaps, pod specs and their environment values, events,
/// statuses) or in the operator's log. Helm's release records are Secrets of the chart itself and are skipped.
/// </summary>
internal static class SecretsScan
{
    // Shorter values ("true", a port) are too common to mean a leak.
    private const int ShortestSecret = 8;

    public static void ShouldFindNoSecretOutsideItsSecret(ResourceService service, IEnumerable<string> log)
    {
        var secrets = service.Store.List("secrets", null).Items.Where(s => (string?)s["type"] != "helm.sh/release.v1").ToList();
        var values = secrets
            .SelectMany(s => (s["data"]?.AsObject() ?? []).Select(entry => (Where: $"Secret {s["metadata"]!["namespace"]}/{s["metadata"]!["name"]} key {entry.Key}", Value: Decoded((string?)entry.Value))))
            .Where(v => v.Value.Length >= ShortestSecret)
            .ToList();
        values.ShouldNotBeEmpty("the samples make Secrets (the 3FS token, the FoundationDB cluster file): a scan with nothing to look for proves nothing");

        var others = service.Catalog.All.Select(t => t.GroupResource).Distinct().Where(gr => gr != "secrets")
            .SelectMany(gr => service.Store.List(gr, null).Items.Select(o => (Object: $"{gr} {o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}", Strings: Strings(o).ToList())))
            .ToList();
        var lines = log.ToList();
        var leaks = values.SelectMany(secret => others.Where(o => o.Strings.Any(text => text.Contains(secret.Value, StringComparison.Ordinal))).Select(o => $"{secret.Where} appears in {o.Object}")
            .Concat(lines.Where(l => l.Contains(secret.Value, StringComparison.Ordinal)).Take(1).Select(_ => $"{secret.Where} appears in the operator's log")));
        leaks.ShouldBeEmpty();
    }

    private static string Decoded(string? base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64 ?? "")).Trim();
        }
        catch (FormatException)
        {
            return "";
        }
    }

    // Every string in an object, keys included, unescaped.
    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value).Prepend(p.Key)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.TryGetValue<string>(out var text) => [text],
        _ => [],
    };
}
