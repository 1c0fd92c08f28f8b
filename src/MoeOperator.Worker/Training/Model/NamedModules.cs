using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>A container whose children are named by their keys, so parameters read <c>layers.3.attn.wq.weight</c> as in DeepSeek-V3.</summary>
internal sealed class NamedModules<T> : nn.Module where T : nn.Module
{
    private readonly SortedDictionary<int, T> _children = [];

    public NamedModules(IEnumerable<(int Key, T Module)> children) : base(nameof(NamedModules<T>))
    {
        ArgumentNullException.ThrowIfNull(children);
        foreach (var (key, module) in children)
        {
            _children[key] = module;
            register_module(key.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        }
    }

    public IReadOnlyDictionary<int, T> Children => _children;
}
