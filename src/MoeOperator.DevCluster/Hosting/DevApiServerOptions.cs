namespace MoeOperator.DevCluster.Hosting;

/// <summary>How to run the dev API server.</summary>
public sealed record DevApiServerOptions
{
    /// <summary>Port on 127.0.0.1; 0 picks a free one (tests).</summary>
    public int Port { get; init; }

    /// <summary>Where to write the kubeconfig; null writes none.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>The admin bearer token; null generates one.</summary>
    public string? Token { get; init; }

    /// <summary>How often watches that allow bookmarks get one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Changes kept for resuming watches; older resourceVersions answer 410 Gone.</summary>
    public int HistoryLimit { get; init; } = 100_000;

    /// <summary>Where the cluster's components log their errors (once per distinct error); null logs nothing (they are still kept and counted).</summary>
    public TextWriter? ComponentLog { get; init; }

    /// <summary>The clock for timestamps.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
