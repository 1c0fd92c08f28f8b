namespace MoeOperator.DevCluster.Http;

/// <summary>What a resource URL names: /api/v1/namespaces/{ns}/{resource}/{name}/{subresource} and the /apis forms.</summary>
public sealed record RequestInfo(string Group, string Version, string? Namespace, string Resource, string? Name, string? Subresource)
{
    /// <summary>For the proxy subresource, the path after <c>proxy</c> (empty for none), without its leading '/'.</summary>
    public string? ProxyPath { get; init; }

    /// <summary>Parses a resource path; null for paths that name no resource (discovery, OpenAPI, unknown).</summary>
    public static RequestInfo? Parse(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group, version;
        string[] rest;
        if (segments is ["api", var coreVersion, .. var coreRest] && coreRest.Length > 0)
        {
            (group, version, rest) = ("", coreVersion, coreRest);
        }
        else if (segments is ["apis", var g, var v, .. var groupRest] && groupRest.Length > 0)
        {
            (group, version, rest) = (g, v, groupRest);
        }
        else
        {
            return null;
        }

        // namespaces/{ns}/{resource}... is a namespaced resource, unless the third segment is a namespace subresource.
        if (rest is ["namespaces", var ns, var resource, .. var tail] && resource is not ("status" or "finalize"))
        {
            if (tail is [var proxied, "proxy", .. var proxyPath])
            {
                // {name}/proxy/{path...}: the rest of the path is the target's, whatever its segments.
                return new RequestInfo(group, version, ns, resource, proxied, "proxy") { ProxyPath = string.Join('/', proxyPath) };
            }

            return tail.Length > 2 ? null : new RequestInfo(group, version, ns, resource, tail.ElementAtOrDefault(0), tail.ElementAtOrDefault(1));
        }

        return rest.Length > 3 ? null : new RequestInfo(group, version, null, rest[0], rest.ElementAtOrDefault(1), rest.ElementAtOrDefault(2));
    }
}
