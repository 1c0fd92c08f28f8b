using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>
/// A set of field paths in the shape of <c>managedFields[].fieldsV1</c>: a tree whose edges are path elements
/// (<c>f:name</c> a field, <c>k:{"name":"c"}</c> a list item by its keys, <c>v:"x"</c> a set member, <c>i:0</c> an
/// index) and whose nodes are members of the set or only lie on the way to members (the real server's
/// structured-merge-diff writes a member that also has members below it as <c>".": {}</c>).
/// </summary>
public sealed class FieldSet
{
    private static readonly SortedDictionary<string, FieldSet> _none = new(StringComparer.Ordinal);

    // Made on the first child: most nodes are leaves, and a pod's sets are read, filtered and written on every write.
    private SortedDictionary<string, FieldSet>? _children;

    /// <summary>Whether the path that leads here is itself in the set.</summary>
    public bool Member { get; set; }

    /// <summary>The elements below this node.</summary>
    public IReadOnlyDictionary<string, FieldSet> Children => _children ?? _none;

    /// <summary>Whether nothing is in the set.</summary>
    public bool IsEmpty => !Member && (_children is null || _children.Values.All(c => c.IsEmpty));

    /// <summary>The node for one path element, added when missing.</summary>
    public FieldSet Child(string element)
    {
        _children ??= new SortedDictionary<string, FieldSet>(StringComparer.Ordinal);
        if (!_children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            _children[element] = child;
        }

        return child;
    }

    /// <summary>Adds one path as a member.</summary>
    public void Insert(IEnumerable<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            node = node.Child(element);
        }

        node.Member = true;
    }

    /// <summary>Whether one path is a member.</summary>
    public bool Has(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (node._children is null || !node._children.TryGetValue(element, out node))
            {
                return false;
            }
        }

        return node.Member;
    }

    /// <summary>Whether this path or any path below it is a member.</summary>
    public bool HasAtOrBelow(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (node._children is null || !node._children.TryGetValue(element, out node))
            {
                return false;
            }
        }

        return !node.IsEmpty;
    }

    /// <summary>Every member path, depth first in element order.</summary>
    public IEnumerable<IReadOnlyList<string>> Paths() => PathsUnder([]);

    private IEnumerable<IReadOnlyList<string>> PathsUnder(List<string> prefix)
    {
        if (Member)
        {
            yield return prefix.ToArray();
        }

        foreach (var (element, child) in Children)
        {
            prefix.Add(element);
            foreach (var path in child.PathsUnder(prefix))
            {
                yield return path;
            }

            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    /// <summary>The members of either set.</summary>
    public FieldSet Union(FieldSet other)
    {
        var result = Clone();
        result.AddAll(other);
        return result;
    }

    /// <summary>The members of this set that are not in the other.</summary>
    public FieldSet Difference(FieldSet other) => Filter(other, keep: false);

    /// <summary>The members of both sets.</summary>
    public FieldSet Intersection(FieldSet other) => Filter(other, keep: true);

    /// <summary>A copy without the given paths as members (their descendants stay).</summary>
    public FieldSet Without(IEnumerable<IReadOnlyList<string>> paths)
    {
        var excluded = new FieldSet();
        foreach (var path in paths)
        {
            excluded.Insert(path);
        }

        return Difference(excluded);
    }

    /// <summary>A copy without the subtree under one top-level element.</summary>
    public FieldSet WithoutSubtree(string element)
    {
        var result = Clone();
        result._children?.Remove(element);
        return result;
    }

    /// <summary>A copy of only the subtree under one top-level element.</summary>
    public FieldSet OnlySubtree(string element)
    {
        var result = new FieldSet();
        if (_children is not null && _children.TryGetValue(element, out var child))
        {
            result.Child(element).AddAll(child);
        }

        return result;
    }

    /// <summary>Whether both sets hold the same members.</summary>
    public bool SameMembers(FieldSet other) => Difference(other).IsEmpty && other.Difference(this).IsEmpty;

    private void AddAll(FieldSet other)
    {
        Member |= other.Member;
        foreach (var (element, child) in other.Children)
        {
            Child(element).AddAll(child);
        }
    }

    private FieldSet Filter(FieldSet? other, bool keep)
    {
        var result = new FieldSet { Member = Member && (other?.Member ?? false) == keep };
        foreach (var (element, child) in Children)
        {
            FieldSet? match = null;
            other?._children?.TryGetValue(element, out match);
            if (!keep || match is not null)
            {
                var filtered = child.Filter(match, keep);
                // A filtered node keeps only non-empty children, so it is empty exactly when it has none and is no
                // member: no walk of its subtree (IsEmpty at every level made a filter quadratic in the depth).
                if (filtered.Member || filtered._children is { Count: > 0 })
                {
                    (result._children ??= new SortedDictionary<string, FieldSet>(StringComparer.Ordinal))[element] = filtered;
                }
            }
        }

        return result;
    }

    private FieldSet Clone() => Filter(null, keep: false);

    /// <summary>The set as fieldsV1 JSON.</summary>
    public JsonObject ToFieldsV1()
    {
        var json = new JsonObject();
        if (Member && Children.Values.Any(c => !c.IsEmpty))
        {
            json["."] = new JsonObject();
        }

        foreach (var (element, child) in Children)
        {
            if (!child.IsEmpty)
            {
                json[element] = child.ToFieldsV1();
            }
        }

        return json;
    }

    /// <summary>A set read from fieldsV1 JSON.</summary>
    public static FieldSet FromFieldsV1(JsonObject? fieldsV1)
    {
        var set = new FieldSet();
        if (fieldsV1 is not null)
        {
            set.Read(fieldsV1);
        }

        return set;
    }

    private void Read(JsonObject json)
    {
        foreach (var (element, value) in json)
        {
            if (element == ".")
            {
                Member = true;
                continue;
            }

            var child = Child(element);
            if (value is JsonObject { Count: > 0 } inner)
            {
                child.Read(inner);
            }
            else
            {
                child.Member = true;
            }
        }
    }
}
