using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// The objects of a <see cref="ResourceCache"/> by namespace and label, kept current from the keys each refresh
/// reports, as an informer's indexer: a selector finds its objects through one of its labels instead of reading
/// every object of the cluster.
/// </summary>
internal sealed class LabelIndex(ResourceCache cache)
{
    private readonly Dictionary<(string Namespace, string Key, string Value), HashSet<string>> _names = [];
    private readonly Dictionary<(string Namespace, string Name), List<(string Key, string Value)>> _labelsOf = [];

    /// <summary>Follows the changes one refresh of the cache reported.</summary>
    public void Update(IEnumerable<(string Namespace, string Name)> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        foreach (var key in changed)
        {
            if (_labelsOf.Remove(key, out var old))
            {
                foreach (var (label, value) in old)
                {
                    if (_names.TryGetValue((key.Namespace, label, value), out var names) && names.Remove(key.Name) && names.Count == 0)
                    {
                        _names.Remove((key.Namespace, label, value));
                    }
                }
            }

            if (cache.Find(key.Namespace, key.Name)?["metadata"]?["labels"] is not JsonObject labels)
            {
                continue;
            }

            var pairs = labels.Select(l => (l.Key, (string?)l.Value ?? "")).ToList();
            _labelsOf[key] = pairs;
            foreach (var (label, value) in pairs)
            {
                if (!_names.TryGetValue((key.Namespace, label, value), out var names))
                {
                    names = new HashSet<string>(StringComparer.Ordinal);
                    _names[(key.Namespace, label, value)] = names;
                }

                names.Add(key.Name);
            }
        }
    }

    /// <summary>The objects of <paramref name="ns"/> that match every label of <paramref name="selector"/> (read-only copies).</summary>
    public IEnumerable<JsonObject> Matching(string? ns, JsonObject selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var (label, value) = selector.Select(s => (s.Key, (string?)s.Value ?? "")).First();
        return (_names.GetValueOrDefault((ns ?? "", label, value)) ?? [])
            .Select(name => cache.Find(ns, name))
            .OfType<JsonObject>()
            .Where(o => selector.All(s => (string?)o["metadata"]?["labels"]?[s.Key] == (string?)s.Value));
    }
}
