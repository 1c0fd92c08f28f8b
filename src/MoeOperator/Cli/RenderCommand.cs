using System.CommandLine;
using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Validation;
using MoeOperator.Controllers;

namespace MoeOperator.Cli;

/// <summary>
/// <c>moe render</c>: prints every object the operator would create for custom resources, without a cluster.
/// Each resource is first validated and defaulted exactly as the API server would store it, then handed to its
/// kind's builders, so what is printed is what the controller would write.
/// </summary>
internal static class RenderCommand
{
    public static Command Create(IReadOnlyList<IKindModule> kinds)
    {
        var files = new Option<FileSystemInfo[]>("--filename", "-f") { Description = "A YAML file of moe.dev resources, or a directory of them", Required = true };
        var workerImage = new Option<string?>("--worker-image") { Description = $"Image of the kernel worker (default: {OperatorSettings.DefaultWorkerImage})" };
        var command = new Command("render", "Print the objects the operator would create for moe.dev resources (a dry run, no cluster)") { files, workerImage };
        command.SetAction(result => Run(
            result.GetValue(files)!,
            kinds,
            new OperatorSettings(result.GetValue(workerImage) ?? OperatorSettings.DefaultWorkerImage),
            Console.Out,
            Console.Error));
        return command;
    }

    internal static int Run(IEnumerable<FileSystemInfo> inputs, IReadOnlyList<IKindModule> kinds, OperatorSettings settings, TextWriter stdout, TextWriter stderr)
    {
        var validator = CustomResourceValidator.ForThisApi();
        var failed = false;
        var first = true;
        foreach (var file in InputFiles.Expand(inputs))
        {
            foreach (var resource in YamlDocuments.Parse(File.ReadAllText(file)))
            {
                var kind = (string?)resource["kind"];
                if (!validator.Knows((string?)resource["apiVersion"], kind))
                {
                    stderr.WriteLine($"{file}: {kind} {resource["apiVersion"]}: skipped, not a moe.dev kind");
                    continue;
                }

                var result = validator.Validate(resource);
                if (!result.IsValid)
                {
                    stderr.WriteLine($"{file}: {result.Message}");
                    failed = true;
                    continue;
                }

                if (kinds.FirstOrDefault(k => k.Kind == kind) is not { } module)
                {
                    stderr.WriteLine($"{file}: {result.Kind.ToLowerInvariant()}/{result.Name}: this version of the operator has no builders for {kind}; nothing would be created");
                    failed = true;
                    continue;
                }

                var objects = module.Render(resource, settings);
                foreach (var obj in objects)
                {
                    stdout.Write(first ? "" : "---\n");
                    first = false;
                    stdout.Write(Document(obj));
                }

                stderr.WriteLine($"{file}: {result.Kind.ToLowerInvariant()}/{result.Name}: {objects.Count} objects");
            }
        }

        return failed ? 1 : 0;
    }

    private static string Document(JsonObject obj)
    {
        var text = YamlText.FromJson(obj.ToJsonString());
        return text.EndsWith('\n') ? text : text + "\n";
    }
}
