using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>
/// The two object edits of server-side apply: merging an applied configuration into the live object, and
/// removing the fields an applier stopped applying that nobody else owns.
/// </summary>
public static class ApplyMerge
{
    /// <summary>
    /// The live object with the configuration merged in: objects field by field, Map lists item by item through
    /// their keys, Set lists as a union; atomic lists, atomic objects and scalars are replaced by the configuration's.
    /// A null in the configuration removes the field. Neither input is changed.
    /// </summary>
    public static JsonObject Merge(JsonObject live, JsonObject config, FieldShape shape) =>
        (JsonObject)MergeValue(live, config, shape)!;

    private static JsonNode? MergeValue(JsonNode? live, JsonNode? config, FieldShape shape)
    {
        if (config is JsonObject configObject && live is JsonObject liveObject && !shape.AtomicObject)
        {
            var result = liveObject.DeepClone().AsObject();
            foreach (var (name, value) in configObject)
            {
                if (value is null)
                {
                    result.Remove(name);
                }
                else
                {
                    result[name] = MergeValue(liveObject[name], value, shape.Field(name));
                }
            }

            return result;
        }

        if (config is JsonArray configList && live is JsonArray liveList && shape.ListKind != ListKind.Atomic)
        {
            return MergeList(liveList, configList, shape);
        }

        return config?.DeepClone();
    }

    private static JsonArray MergeList(JsonArray live, JsonArray config, FieldShape shape)
    {
        var result = new JsonArray([.. live.Select(item => item?.DeepClone())]);
        foreach (var item in config)
        {
            var element = PathElements.Item(item, shape);
            var index = IndexOf(result, element, shape);
            if (index < 0)
            {
                result.Add(item?.DeepClone());
            }
            else if (shape.ListKind == ListKind.Map)
            {
                var merged = MergeValue(result[index], item, shape.Item);
                result[index] = merged;
            }
        }

        return result;
    }

    /// <summary>
    /// Removes each path of <paramref name="remove"/> from the object, except where a path of
    /// <paramref name="keep"/> lies at or below it, and then the objects and lists that removal left empty and
    /// nobody owns.
    /// </summary>
    public static void Prune(JsonObject obj, FieldSet remove, FieldSet keep, FieldShape shape)
    {
        ArgumentNullException.ThrowIfNull(remove);
        foreach (var path in remove.Paths().OrderByDescending(p => p.Count).ToList())
        {
            if (path.Count == 0 || keep.HasAtOrBelow(path))
            {
                continue;
            }

            RemovePath(obj, path, shape);
            for (var parent = path.Take(path.Count - 1).ToArray(); parent.Length > 0 && !keep.HasAtOrBelow(parent); parent = parent[..^1])
            {
                if (Find(obj, parent, shape) is not (JsonObject { Count: 0 } or JsonArray { Count: 0 }))
                {
                    break;
                }

                RemovePath(obj, parent, shape);
            }
        }
    }

    private static void RemovePath(JsonObject obj, IReadOnlyList<string> path, FieldShape shape)
    {
        var (container, containerShape) = Walk(obj, path.Take(path.Count - 1), shape);
        var last = path[^1];
        switch (container)
        {
            case JsonObject parent when last.StartsWith("f:", StringComparison.Ordinal):
                parent.Remove(last[2..]);
                break;
            case JsonArray list when IndexOf(list, last, containerShape!) is >= 0 and var index:
                list.RemoveAt(index);
                break;
        }
    }

    private static JsonNode? Find(JsonObject obj, IReadOnlyList<string> path, FieldShape shape) => Walk(obj, path, shape).Node;

    private static (JsonNode? Node, FieldShape? Shape) Walk(JsonNode? node, IEnumerable<string> path, FieldShape shape)
    {
        foreach (var element in path)
        {
            switch (node)
            {
                case JsonObject obj when element.StartsWith("f:", StringComparison.Ordinal):
                    node = obj[element[2..]];
                    shape = shape.Field(element[2..]);
                    break;
                case JsonArray list when IndexOf(list, element, shape) is >= 0 and var index:
                    node = list[index];
                    shape = shape.ListKind == ListKind.Map ? shape.Item : shape;
                    break;
                default:
                    return (null, null);
            }
        }

        return (node, shape);
    }

    private static int IndexOf(JsonArray list, string element, FieldShape listShape)
    {
        if (element.StartsWith("i:", StringComparison.Ordinal))
        {
            return int.TryParse(element[2..], out var index) && index < list.Count ? index : -1;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (PathElements.Item(list[i], listShape) == element)
            {
                return i;
            }
        }

        return -1;
    }
}
