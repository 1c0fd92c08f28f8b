using System.CommandLine;
using System.Reflection;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Cli;

/// <summary><c>moe version</c>: prints the build version and the API version it serves.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version");
        command.SetAction(_ =>
        {
            Console.WriteLine($"moe {Version} (API {ApiGroup.ApiVersion})");
            return 0;
        });
        return command;
    }

    public static string Version { get; } =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
