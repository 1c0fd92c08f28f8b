using System.CommandLine;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Validation;

namespace MoeOperator.Cli;

/// <summary><c>moe validate</c>: checks resource files against the CRD schemas and CEL rules without a cluster.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var files = new Option<FileSystemInfo[]>("--filename", "-f")
        {
            Description = "A YAML file or a directory of them (searched recursively)",
            Required = true,
        };
        var command = new Command("validate", "Validate moe.dev resources offline, as the API server would on create") { files };
        command.SetAction(result => Run(result.GetValue(files)!, Console.Out));
        return command;
    }

    internal static int Run(IEnumerable<FileSystemInfo> inputs, TextWriter stdout)
    {
        var validator = CustomResourceValidator.ForThisApi();
        var invalid = 0;
        var checkedCount = 0;
        foreach (var file in InputFiles.Expand(inputs))
        {
            IReadOnlyList<System.Text.Json.Nodes.JsonObject> documents;
            try
            {
                documents = YamlDocuments.Parse(File.ReadAllText(file));
            }
            catch (Exception e) when (e is YamlDotNet.Core.YamlException or System.Text.Json.JsonException)
            {
                // What kubectl would refuse to send: one unreadable file is reported, and the others are still checked.
                checkedCount++;
                invalid++;
                stdout.WriteLine($"{file}: cannot be read: {e.Message}");
                continue;
            }

            foreach (var document in documents)
            {
                var apiVersion = (string?)document["apiVersion"];
                var kind = (string?)document["kind"];
                if (!validator.Knows(apiVersion, kind))
                {
                    stdout.WriteLine($"{file}: {kind} {apiVersion}: skipped, not a moe.dev kind");
                    continue;
                }

                checkedCount++;
                var result = validator.Validate(document);
                if (result.IsValid)
                {
                    stdout.WriteLine($"{file}: {result.Kind.ToLowerInvariant()}/{result.Name} valid");
                }
                else
                {
                    invalid++;
                    stdout.WriteLine($"{file}: {result.Message}");
                }
            }
        }

        stdout.WriteLine($"{checkedCount - invalid} valid, {invalid} invalid");
        return invalid == 0 && checkedCount > 0 ? 0 : 1;
    }
}
