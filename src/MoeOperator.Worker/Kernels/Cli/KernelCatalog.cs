namespace MoeOperator.Worker.Kernels.Cli;

/// <summary>Every kernel <c>moe-worker kernel</c> can run, by name.</summary>
public static class KernelCatalog
{
    public static IReadOnlyList<KernelSpec> All { get; } = [.. Fp8KernelSpecs.All(), .. MlaEpKernelSpecs.All()];

    public static KernelSpec? Find(string name) => All.FirstOrDefault(k => k.Name == name);
}
