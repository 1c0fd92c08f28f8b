using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// serviceaccounts/token (<c>kubectl create token NAME</c>): a TokenRequest answered with a token of the service
/// account, valid for spec.expirationSeconds (an hour by default, at least ten minutes, as the real server requires).
/// </summary>
internal static class TokenRequests
{
    private const long DefaultSeconds = 3600;
    private const long MinimumSeconds = 600;

    public static JsonObject Answer(ResourceService service, ServiceAccountTokens tokens, string ns, string name, JsonObject request)
    {
        // A TokenRequest names an existing account: 404 otherwise, as for any subresource.
        service.Get(service.Catalog.Find("", "v1", "serviceaccounts")!, ns, name);
        var seconds = (long?)request["spec"]?["expirationSeconds"] ?? DefaultSeconds;
        if (seconds < MinimumSeconds)
        {
            throw new ApiException(422, "Invalid", $"TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.expirationSeconds: Invalid value: {seconds.ToString(CultureInfo.InvariantCulture)}: may not specify a duration less than 10 minutes");
        }

        var (token, expires) = tokens.Issue(ns, name, TimeSpan.FromSeconds(seconds));
        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null },
            ["spec"] = new JsonObject
            {
                ["audiences"] = request["spec"]?["audiences"]?.DeepClone() ?? new JsonArray(ServiceAccountTokens.Issuer),
                ["expirationSeconds"] = seconds,
                ["boundObjectRef"] = request["spec"]?["boundObjectRef"]?.DeepClone(),
            },
            ["status"] = new JsonObject
            {
                ["token"] = token,
                ["expirationTimestamp"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        };
    }
}
