using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.ThreeFS;

namespace MoeOperator.Hosting;

/// <summary>
/// On the dev cluster, containers of the 3FS image run the simulator: the image's /opt/3fs/bin holds one script
/// per 3FS program that starts <c>moe dev threefs &lt;program&gt;</c>, so the operator's pods and Jobs run their
/// upstream command lines unchanged and read and write the simulated cluster as they would a real one.
/// </summary>
internal static class ThreeFSSimProgram
{
    /// <summary>The 3FS image of the samples and the chart, without its tag: every tag maps to the simulator.</summary>
    public const string Repository = "ghcr.io/moe-operator/3fs";

    public static KeyValuePair<string, LocalProgram> ForDevCluster(string dataDirectory)
    {
        var bin = Path.Combine(dataDirectory, "images", "3fs", "bin");
        Directory.CreateDirectory(bin);
        var moe = Path.Combine(AppContext.BaseDirectory, "moe.dll");
        foreach (var program in SimProcess.Programs)
        {
            var script = Path.Combine(bin, program);
            File.WriteAllText(script, $"#!/bin/sh\nexec '{WorkerProgram.DotnetHost()}' '{moe}' dev threefs {program} \"$@\"\n");
            if (OperatingSystem.IsWindows())
            {
                continue;
            }

            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return new(Repository, new LocalProgram("/bin/sh")
        {
            Environment = new Dictionary<string, string> { [SimProcess.DirectoryVariable] = Path.Combine(dataDirectory, "3fs-sim") },
            ImageFiles = new Dictionary<string, string> { ["/opt/3fs/bin"] = bin },
        });
    }
}
