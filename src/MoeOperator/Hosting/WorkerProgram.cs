using MoeOperator.Controllers;
using MoeOperator.DevCluster.Cluster.Kubelet;

namespace MoeOperator.Hosting;

/// <summary>
/// On the dev cluster, pods of the worker image run the moe-worker built next to this program, as real processes.
/// The benchmark pauses between steps there, so four ranks on a laptop leave CPU to the API server and operator.
/// </summary>
internal static class WorkerProgram
{
    /// <summary>The worker image without its tag: every tag maps to the local worker.</summary>
    public static string Repository { get; } = OperatorSettings.DefaultWorkerImage[..OperatorSettings.DefaultWorkerImage.LastIndexOf(':')];

    public static string Assembly { get; } = Path.Combine(AppContext.BaseDirectory, "moe-worker.dll");

    public static KeyValuePair<string, LocalProgram> ForDevCluster() => new(Repository, new LocalProgram(DotnetHost(), [Assembly])
    {
        Environment = new Dictionary<string, string>
        {
            ["MOE_EP_STEP_PAUSE"] = "0.05",
            ["MOE_EP_REPORT_INTERVAL"] = "2",
        },
    });

    /// <summary>The dotnet host running this process if it is one, else the one the SDK names, else dotnet on PATH.</summary>
    public static string DotnetHost() =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";
}
