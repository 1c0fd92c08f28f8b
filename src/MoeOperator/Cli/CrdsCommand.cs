using System.CommandLine;
using MoeOperator.Api.Schema;

namespace MoeOperator.Cli;

/// <summary><c>moe crds</c>: writes the generated CRDs, or checks that the files on disk match them.</summary>
internal static class CrdsCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo[]>("--output", "-o")
        {
            Description = "Directory to write the CRD files to; repeat it to write several",
            DefaultValueFactory = _ => [new DirectoryInfo("crds")],
        };
        var check = new Option<bool>("--check") { Description = "Write nothing; exit 1 when a directory's files differ from the generated CRDs" };
        var command = new Command("crds", "Generate the CustomResourceDefinitions from the API types") { output, check };
        command.SetAction(result => Run(result.GetValue(output)!, result.GetValue(check), Console.Out));
        return command;
    }

    internal static int Run(IReadOnlyList<DirectoryInfo> directories, bool check, TextWriter stdout)
    {
        var files = CrdGenerator.RenderAll();
        var stale = 0;
        foreach (var directory in directories)
        {
            foreach (var (name, yaml) in files)
            {
                var path = Path.Combine(directory.FullName, name);
                var current = File.Exists(path) ? File.ReadAllText(path) : null;
                if (check)
                {
                    if (current != yaml)
                    {
                        stale++;
                        stdout.WriteLine($"{path}: differs from the generated CRD; run `moe crds -o {directory}` to update it");
                    }

                    continue;
                }

                Directory.CreateDirectory(directory.FullName);
                File.WriteAllText(path, yaml);
                stdout.WriteLine($"{(current == yaml ? "unchanged" : "wrote")} {path}");
            }
        }

        return stale == 0 ? 0 : 1;
    }
}
