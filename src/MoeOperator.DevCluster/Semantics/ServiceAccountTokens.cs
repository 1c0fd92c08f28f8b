using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// Service-account tokens as the real API server issues them: JWTs whose claims name the namespace and the service
/// account, signed by the server (HMAC-SHA256 here, with a key that lives as long as the server), so any token the
/// kubelet projects into a pod or a TokenRequest returns is a bearer token of that service account. A token is
/// accepted only while its service account exists (deleting the account revokes its tokens, as bound tokens are)
/// and until it expires.
/// </summary>
internal sealed class ServiceAccountTokens(ResourceService service, TimeProvider clock)
{
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <summary>A token of <paramref name="ns"/>/<paramref name="name"/> valid for <paramref name="lifetime"/>.</summary>
    public (string Token, DateTimeOffset Expires) Issue(string ns, string name, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        var expires = now + lifetime;
        var header = Encode(new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT" }.ToJsonString());
        var claims = Encode(new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
            ["aud"] = new JsonArray(Issuer),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["kubernetes.io"] = new JsonObject { ["namespace"] = ns, ["serviceaccount"] = new JsonObject { ["name"] = name } },
        }.ToJsonString());
        return ($"{header}.{claims}.{Sign($"{header}.{claims}")}", expires);
    }

    /// <summary>The service account a token speaks for, or null when it is not one of this server's, has expired, or its account is gone.</summary>
    public RequestUser? Authenticate(string token)
    {
        if (token.Split('.') is not [var header, var claims, var signature]
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign($"{header}.{claims}")), Encoding.ASCII.GetBytes(signature)))
        {
            return null;
        }

        var body = JsonNode.Parse(Decode(claims));
        var ns = (string?)body?["kubernetes.io"]?["namespace"];
        var name = (string?)body?["kubernetes.io"]?["serviceaccount"]?["name"];
        if (ns is null || name is null || (long?)body?["exp"] is not { } expires || clock.GetUtcNow().ToUnixTimeSeconds() >= expires)
        {
            return null;
        }

        if (service.Store.Get(ResourceService.KeyOf(service.Catalog.Find("", "v1", "serviceaccounts")!, ns, name)) is null)
        {
            return null;
        }

        return RequestUser.ServiceAccountUser(ns, name);
    }

    private string Sign(string content) => Base64Url(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(content)));

    private static string Encode(string json) => Base64Url(Encoding.UTF8.GetBytes(json));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Decode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=')));
    }
}
