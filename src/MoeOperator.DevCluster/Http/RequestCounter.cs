using System.Collections.Concurrent;

namespace MoeOperator.DevCluster.Http;

/// <summary>Counts requests by verb and resource, so tests can prove how many writes a client made.</summary>
public sealed class RequestCounter
{
    private static readonly HashSet<string> _writeVerbs = ["create", "update", "patch", "delete", "deletecollection"];
    private readonly ConcurrentDictionary<(string Verb, string Resource), int> _counts = new();
    private readonly ConcurrentDictionary<(string User, string Verb, string Group, string Resource), byte> _access = new();

    /// <summary>Requests of one verb on one resource (plural, with "/status" for the subresource).</summary>
    public int Count(string verb, string resource) => _counts.GetValueOrDefault((verb, resource));

    /// <summary>Every write request so far (create, update, patch, delete), optionally for one resource.</summary>
    public int Writes(string? resource = null) =>
        _counts.Where(c => _writeVerbs.Contains(c.Key.Verb) && (resource is null || c.Key.Resource == resource || c.Key.Resource.StartsWith(resource + "/", StringComparison.Ordinal))).Sum(c => c.Value);

    /// <summary>Forgets every count.</summary>
    public void Reset() => _counts.Clear();

    internal void Record(string verb, string resource) => _counts.AddOrUpdate((verb, resource), 1, (_, n) => n + 1);

    /// <summary>
    /// Every (verb, API group, resource) a user was allowed to ask for (resource with "/subresource"): what its RBAC
    /// rules were used for, as an audit log would show.
    /// </summary>
    public IReadOnlySet<(string Verb, string Group, string Resource)> AccessOf(string user) =>
        _access.Keys.Where(a => a.User == user).Select(a => (a.Verb, a.Group, a.Resource)).ToHashSet();

    internal void RecordAccess(string user, string verb, string group, string resource) => _access.TryAdd((user, verb, group, resource), 0);
}
