namespace MoeOperator.DevCluster.ThreeFS;

/// <summary>
/// What a simulated 3FS cluster knows, as mgmtd keeps it in FoundationDB: whether init-cluster ran, the configs
/// set-config stored, the daemons and their heartbeats, targets, chains, chain tables and users. Plain data, so it
/// persists as JSON between the processes that stand in for the 3FS programs.
/// </summary>
public sealed class SimState
{
    public bool Initialized { get; set; }

    /// <summary>The 3FS cluster id init-cluster stored (every later client and daemon must name the same).</summary>
    public string? ClusterId { get; set; }

    /// <summary>
    /// The FoundationDB database init-cluster wrote to, as its cluster file names it (description:id): a cluster
    /// file with another id is another, empty database, where this state does not exist.
    /// </summary>
    public string? FoundationDB { get; set; }

    public int ChainTableId { get; set; }

    public long ChunkSize { get; set; }

    public int StripeSize { get; set; }

    /// <summary>Config text by node type (MGMTD from init-cluster; META, STORAGE, FUSE from set-config).</summary>
    public SortedDictionary<string, string> Configs { get; set; } = new(StringComparer.Ordinal);

    public SortedDictionary<long, SimNode> Nodes { get; set; } = [];

    public SortedDictionary<long, SimTarget> Targets { get; set; } = [];

    public SortedDictionary<long, SimChain> Chains { get; set; } = [];

    /// <summary>Chain ids of each uploaded chain table, by table id.</summary>
    public SortedDictionary<int, List<long>> ChainTables { get; set; } = [];

    public SortedDictionary<int, int> ChainTableVersions { get; set; } = [];

    public List<SimUser> Users { get; set; } = [];

    /// <summary>Forgets everything: the state of a database that is gone, before a new one is initialised.</summary>
    public void Clear()
    {
        Initialized = false;
        ClusterId = null;
        FoundationDB = null;
        ChainTableId = 0;
        ChunkSize = 0;
        StripeSize = 0;
        Configs.Clear();
        Nodes.Clear();
        Targets.Clear();
        Chains.Clear();
        ChainTables.Clear();
        ChainTableVersions.Clear();
        Users.Clear();
    }
}

/// <summary>A daemon that registered with mgmtd.</summary>
public sealed class SimNode
{
    public string Type { get; set; } = "";

    public string Hostname { get; set; } = "";

    public DateTimeOffset? LastHeartbeat { get; set; }

    /// <summary>False once the daemon stopped or its heartbeats lapsed.</summary>
    public bool Up { get; set; }
}

public sealed class SimTarget
{
    public long NodeId { get; set; }

    public int DiskIndex { get; set; }

    public long? ChainId { get; set; }

    public string PublicState { get; set; } = TargetStates.Offline;

    public string LocalState { get; set; } = "OFFLINE";

    public DateTimeOffset? SyncStarted { get; set; }

    /// <summary>Taken offline by offline-target: it stays offline, whatever its daemon does, until it is added to a chain again.</summary>
    public bool AdminOffline { get; set; }
}

public sealed class SimChain
{
    /// <summary>Replicas from head to tail; mgmtd moves replicas that stop serving to the tail.</summary>
    public List<long> Targets { get; set; } = [];

    public long Version { get; set; } = 1;
}

public sealed class SimUser
{
    public string Name { get; set; } = "";

    public long Uid { get; set; }

    public string Token { get; set; } = "";

    public bool Admin { get; set; }
}

/// <summary>3FS's public target states.</summary>
public static class TargetStates
{
    public const string Serving = "SERVING";
    public const string Syncing = "SYNCING";
    public const string Waiting = "WAITING";
    public const string Lastsrv = "LASTSRV";
    public const string Offline = "OFFLINE";
}
