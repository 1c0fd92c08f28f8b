using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MoeOperator.Worker.Tests.Tensors;

/// <summary>
/// Finds every call from an assembly into TorchSharp that makes a Scalar nothing holds: an implicit conversion
/// (<c>x.eq(0)</c>, <c>x / 7.0</c>) at the call site, or a TorchSharp member that converts one itself before handing
/// it to LibTorch (<c>a + b</c> and its hidden alpha, <c>x * 2.0</c>). Read from the IL, so no such call can hide in
/// an operator or an overload the eye takes for a plain tensor method.
/// </summary>
public sealed class TransientScalarScan
{
    private const string ScalarType = "TorchSharp.Scalar";

    private readonly ModuleDefinition _torchSharp;
    private readonly ReaderParameters _reading;
    private readonly Dictionary<string, bool> _converts = [];

    public TransientScalarScan(string torchSharpPath, params string[] searchDirectories)
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(torchSharpPath)!);
        foreach (var directory in searchDirectories)
        {
            resolver.AddSearchDirectory(directory);
        }

        _reading = new ReaderParameters { AssemblyResolver = resolver };
        _torchSharp = resolver.Resolve(AssemblyNameReference.Parse(AssemblyDefinition.ReadAssembly(torchSharpPath).FullName)).MainModule;
    }

    /// <summary>"Type::Method calls Member(parameters)" for each offending call in the assembly at the path.</summary>
    public IReadOnlyList<string> Find(string assemblyPath)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath, _reading);
        var found = new List<string>();
        foreach (var method in assembly.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody))
        {
            foreach (var called in method.Body.Instructions.Select(i => i.Operand).OfType<MethodReference>())
            {
                if (MakesScalar(called, 0))
                {
                    found.Add($"{method.DeclaringType.FullName}::{method.Name} calls {called.DeclaringType.Name}::{called.Name}({string.Join(", ", called.Parameters.Select(p => p.ParameterType.Name))})");
                }
            }
        }

        return found;
    }

    // A call that converts a number to a Scalar itself, or reaches a TorchSharp member that does.
    private bool MakesScalar(MethodReference called, int depth) =>
        IsImplicitScalar(called) || (InTorchSharp(called) && called.Resolve() is { } target && Converts(target, depth));

    private static bool IsImplicitScalar(MethodReference method) => method.DeclaringType.FullName == ScalarType && method.Name == "op_Implicit";

    private static bool InTorchSharp(MethodReference method) => method.DeclaringType.Scope.Name is "TorchSharp" or "TorchSharp.dll";

    // Whether the TorchSharp method, or one it calls within TorchSharp (a few levels: `a + b` reaches its alpha
    // through add(Tensor)), converts a number to a Scalar implicitly.
    private bool Converts(MethodDefinition method, int depth)
    {
        if (_converts.TryGetValue(method.FullName, out var known))
        {
            return known;
        }

        if (depth > 4 || !method.HasBody || method.Module != _torchSharp)
        {
            return false;
        }

        _converts[method.FullName] = false;
        var converts = method.Body.Instructions.Where(i => i.OpCode == OpCodes.Call || i.OpCode == OpCodes.Callvirt || i.OpCode == OpCodes.Newobj)
            .Select(i => i.Operand).OfType<MethodReference>()
            .Any(called => MakesScalar(called, depth + 1));
        _converts[method.FullName] = converts;
        return converts;
    }
}
