using System.Collections;

namespace MoeOperator.Tests.Controllers;

/// <summary>An environment (as a worker reads it) that remembers which variables were looked up.</summary>
internal sealed class RecordingEnvironment(Dictionary<string, string> values) : Hashtable(values)
{
    public HashSet<string> Read { get; } = [];

    public override object? this[object key]
    {
        get
        {
            Read.Add((string)key);
            return base[key];
        }

        set => base[key] = value;
    }
}
