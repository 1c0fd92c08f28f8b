namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>Where files sit inside 3FS containers; the configs name these paths, the pods mount them.</summary>
internal static class ThreeFSPaths
{
    /// <summary>The configuration directory of upstream's deploy guide.</summary>
    public const string ConfigDirectory = "/opt/3fs/etc";

    /// <summary>The FoundationDB cluster file, mounted from a Secret (it names the coordinators and their key).</summary>
    public const string FdbClusterFile = ConfigDirectory + "/fdb.cluster";

    /// <summary>The admin token, mounted from a Secret.</summary>
    public const string TokenFile = ConfigDirectory + "/token.txt";

    public const string LogDirectory = "/var/log/3fs";

    public const string TraceDirectory = LogDirectory + "/trace";

    /// <summary>The directory 3FS keeps targets in on each data disk, as the deploy guide lays it out.</summary>
    public static string TargetDirectory(string diskPath) => diskPath.TrimEnd('/') + "/3fs";
}
