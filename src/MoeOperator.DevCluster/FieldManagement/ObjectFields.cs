using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>What changed between two states of an object, as field sets.</summary>
/// <param name="Added">Paths present only in the new state.</param>
/// <param name="Modified">Leaves present in both with different values.</param>
/// <param name="Removed">Paths present only in the old state.</param>
public sealed record FieldComparison(FieldSet Added, FieldSet Modified, FieldSet Removed)
{
    /// <summary>The paths a writer of the new state set: added or modified.</summary>
    public FieldSet Changed => Added.Union(Modified);
}

/// <summary>
/// The fields of an object and the difference of two objects, as the real server's structured-merge-diff computes
/// them: leaves and list items are members; an object is a member only when it is empty or was added whole.
/// </summary>
public static class ObjectFields
{
    /// <summary>The fields an applied configuration sets.</summary>
    public static FieldSet Of(JsonObject obj, FieldShape shape)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(shape);
        var set = new FieldSet();
        WalkObject(obj, shape, set);
        return set;
    }

    /// <summary>What a writer that turned <paramref name="old"/> into <paramref name="updated"/> changed.</summary>
    public static FieldComparison Compare(JsonObject old, JsonObject updated, FieldShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var comparison = new FieldComparison(new FieldSet(), new FieldSet(), new FieldSet());
        CompareNodes(old, true, updated, true, shape, [], comparison, isItem: false);
        return comparison;
    }

    private static void WalkObject(JsonObject obj, FieldShape shape, FieldSet node)
    {
        foreach (var (name, value) in obj)
        {
            WalkValue(value, shape.Field(name), node.Child(PathElements.Field(name)));
        }
    }

    private static void WalkValue(JsonNode? value, FieldShape shape, FieldSet node)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } obj when !shape.AtomicObject:
                WalkObject(obj, shape, node);
                break;
            case JsonArray list when shape.ListKind != ListKind.Atomic:
                foreach (var item in list)
                {
                    var itemNode = node.Child(PathElements.Item(item, shape));
                    itemNode.Member = true;
                    if (shape.ListKind == ListKind.Map && item is JsonObject itemObject)
                    {
                        WalkObject(itemObject, shape.Item, itemNode);
                    }
                }

                break;
            default:
                node.Member = true;
                break;
        }
    }

    private static void CompareNodes(JsonNode? old, bool hadOld, JsonNode? updated, bool hasNew, FieldShape shape, List<string> path, FieldComparison into, bool isItem)
    {
        if (!hadOld && !hasNew)
        {
            return;
        }

        if (!hadOld)
        {
            AddWhole(into.Added, updated, shape, path, member: isItem || !shape.AlwaysPresent);
            return;
        }

        if (!hasNew)
        {
            AddWhole(into.Removed, old, shape, path, member: true);
            return;
        }

        if (old is JsonObject oldObject && updated is JsonObject newObject && !shape.AtomicObject)
        {
            foreach (var name in oldObject.Select(p => p.Key).Union(newObject.Select(p => p.Key)).ToList())
            {
                // An equal subtree holds no change. Checked for the object's top-level parts only, where it pays: a
                // write usually changes one part (a status write carries metadata and spec as they were).
                if (path.Count == 0 && oldObject.TryGetPropertyValue(name, out var oldPart) && newObject.TryGetPropertyValue(name, out var newPart)
                    && JsonNode.DeepEquals(oldPart, newPart))
                {
                    continue;
                }

                path.Add(PathElements.Field(name));
                CompareNodes(oldObject[name], oldObject.ContainsKey(name), newObject[name], newObject.ContainsKey(name), shape.Field(name), path, into, isItem: false);
                path.RemoveAt(path.Count - 1);
            }

            return;
        }

        if (old is JsonArray oldList && updated is JsonArray newList && shape.ListKind != ListKind.Atomic)
        {
            var before = Items(oldList, shape);
            var after = Items(newList, shape);
            foreach (var element in before.Keys.Union(after.Keys).ToList())
            {
                path.Add(element);
                var itemShape = shape.ListKind == ListKind.Map ? shape.Item : shape;
                CompareNodes(before.GetValueOrDefault(element), before.ContainsKey(element), after.GetValueOrDefault(element), after.ContainsKey(element), itemShape, path, into, isItem: true);
                path.RemoveAt(path.Count - 1);
            }

            return;
        }

        if (!JsonNode.DeepEquals(old, updated))
        {
            into.Modified.Insert(path);
        }
    }

    private static Dictionary<string, JsonNode?> Items(JsonArray list, FieldShape shape)
    {
        var items = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            items.TryAdd(PathElements.Item(item, shape), item);
        }

        return items;
    }

    // A subtree that appeared or disappeared whole: every node of it is in the set, except objects the real
    // server's typed objects always carry.
    private static void AddWhole(FieldSet into, JsonNode? value, FieldShape shape, List<string> path, bool member)
    {
        var node = into;
        foreach (var element in path)
        {
            node = node.Child(element);
        }

        AddWhole(node, value, shape, member);
    }

    private static void AddWhole(FieldSet node, JsonNode? value, FieldShape shape, bool member)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } obj when !shape.AtomicObject:
                node.Member |= member;
                foreach (var (name, child) in obj)
                {
                    var childShape = shape.Field(name);
                    AddWhole(node.Child(PathElements.Field(name)), child, childShape, !childShape.AlwaysPresent);
                }

                break;
            case JsonArray list when shape.ListKind != ListKind.Atomic:
                node.Member |= member;
                foreach (var item in list)
                {
                    AddWhole(node.Child(PathElements.Item(item, shape)), item, shape.Item, member: true);
                }

                break;
            default:
                node.Member = true;
                break;
        }
    }
}
