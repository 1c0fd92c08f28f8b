namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// Who a request acts as. The server's one token is the cluster's administrator (kubernetes-admin in system:masters,
/// as kind's kubeconfig is); with Impersonate-User and Impersonate-Group (kubectl --as, --as-group) the request acts
/// as that user, and RBAC decides what it may do. A service account's name brings its groups, as the real
/// impersonation filter adds them.
/// </summary>
public sealed record RequestUser(string Name, IReadOnlyList<string> Groups, bool Impersonated)
{
    public const string Administrator = "kubernetes-admin";
    public const string Masters = "system:masters";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    public static RequestUser Admin { get; } = new(Administrator, [Masters, "system:authenticated"], false);

    /// <summary>The user the impersonation headers name, or the administrator.</summary>
    public static RequestUser From(string? impersonatedUser, IEnumerable<string> impersonatedGroups)
    {
        if (string.IsNullOrEmpty(impersonatedUser))
        {
            return Admin;
        }

        var groups = impersonatedGroups.Where(g => g.Length > 0).ToList();
        if (impersonatedUser.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) && impersonatedUser[ServiceAccountPrefix.Length..].Split(':') is [var ns, _])
        {
            groups.AddRange(["system:serviceaccounts", $"system:serviceaccounts:{ns}"]);
        }

        groups.Add("system:authenticated");
        return new RequestUser(impersonatedUser, [.. groups.Distinct(StringComparer.Ordinal)], true);
    }

    /// <summary>A service account authenticated by its token: its user name and groups, as the real authenticator gives them.</summary>
    public static RequestUser ServiceAccountUser(string ns, string name) =>
        new($"{ServiceAccountPrefix}{ns}:{name}", ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], false);

    /// <summary>Whether RBAC decides this request: anyone but the administrator acting as itself.</summary>
    public bool NeedsAuthorization => Impersonated || Name != Administrator;

    /// <summary>The namespace and name when this user is a service account.</summary>
    public (string Namespace, string Name)? ServiceAccount =>
        Name.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) && Name[ServiceAccountPrefix.Length..].Split(':') is [var ns, var name] ? (ns, name) : null;
}
