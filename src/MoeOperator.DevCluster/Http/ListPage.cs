using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>One page of a list: items after the continue token, at most limit of them, and the token for the next page.</summary>
internal sealed record ListPage(List<JsonObject> Items, string ResourceVersion, string? Continue, int Remaining)
{
    /// <summary>Cuts a page from items sorted by namespace and name; the token names the last key served.</summary>
    public static ListPage Cut(List<JsonObject> items, string? limitText, string? continueToken, long revision)
    {
        items.Sort((a, b) => string.CompareOrdinal(Key(a), Key(b)));
        var start = 0;
        if (!string.IsNullOrEmpty(continueToken))
        {
            string last;
            try
            {
                last = Encoding.UTF8.GetString(Convert.FromBase64String(continueToken));
            }
            catch (FormatException)
            {
                throw ApiException.BadRequest("continue key is not valid: illegal base64 data");
            }

            start = items.FindIndex(i => string.CompareOrdinal(Key(i), last) > 0);
            start = start < 0 ? items.Count : start;
        }

        var remaining = items.Count - start;
        var limit = int.TryParse(limitText, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : remaining;
        var page = items.Skip(start).Take(limit).ToList();
        var more = remaining - page.Count;
        var token = more > 0 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(Key(page[^1]))) : null;
        return new ListPage(page, revision.ToString(CultureInfo.InvariantCulture), token, more);
    }

    // Namespace and name joined by a separator that sorts below every name character, so the order matches the store's.
    private static string Key(JsonObject obj) => $"{(string?)obj["metadata"]?["namespace"]}\u0001{(string?)obj["metadata"]?["name"]}";
}
