using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MoeOperator.DevCluster.ThreeFS;

/// <summary>
/// admin_cli's commands against a simulated cluster, with upstream's syntax and the tables it prints, so the
/// operator's admin Jobs run unchanged: <c>admin_cli --cfg admin_cli.toml [--config.key value ...] "command args"</c>,
/// or commands one per line on stdin. Errors print <c>Encounter error: code(Name)</c> and a reason, and exit 1.
/// Mutating commands need an admin token once a user exists.
/// </summary>
/// <remarks>
/// The client names its cluster (cluster_id) and its FoundationDB (the cluster file's description:id); state kept
/// for another database does not exist for it, as a fresh database holds nothing.
/// </remarks>
public sealed class SimAdminCli(ThreeFSSimulator simulator, Func<string, string> readFile, string clusterId = "", string database = "")
{
    private static readonly string[] _mutating = ["set-config", "create-target", "upload-chains", "upload-chain-table", "update-chain", "offline-target", "remove-target", "user-add"];

    private SimState State => simulator.State;

    /// <summary>Runs the command line (without the program name); commands come from <paramref name="stdin"/> when the line names none.</summary>
    public (int ExitCode, string Output) Run(IReadOnlyList<string> arguments, TextReader stdin, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(stdin);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var words = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (argument is "-cfg" or "--cfg" && i + 1 < arguments.Count)
            {
                i++;
            }
            else if (argument.StartsWith("--config.", StringComparison.Ordinal))
            {
                var key = argument["--config.".Length..];
                if (key.Contains('=', StringComparison.Ordinal))
                {
                    options[key[..key.IndexOf('=', StringComparison.Ordinal)]] = key[(key.IndexOf('=', StringComparison.Ordinal) + 1)..];
                }
                else if (i + 1 < arguments.Count)
                {
                    options[key] = arguments[++i];
                }
            }
            else
            {
                words.Add(argument);
            }
        }

        var commands = words.Count > 0 ? [string.Join(' ', words)] : ReadLines(stdin);
        var output = new StringBuilder();
        simulator.Advance(now);
        foreach (var command in commands.Where(c => !string.IsNullOrWhiteSpace(c)))
        {
            try
            {
                output.Append(Execute(command.Split(' ', StringSplitOptions.RemoveEmptyEntries), options.GetValueOrDefault("user_info.token"), now));
            }
            catch (SimAdminException e)
            {
                output.Append(CultureInfo.InvariantCulture, $"Encounter error: {e.Code}\n{e.Message}\n");
                return (1, output.ToString());
            }
        }

        return (0, output.ToString());
    }

    private static List<string> ReadLines(TextReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private string Execute(string[] words, string? token, DateTimeOffset now)
    {
        var name = words[0];
        var args = new Arguments(words.Skip(1).ToList());
        if (name != "init-cluster" && (!State.Initialized || State.FoundationDB != database))
        {
            throw new SimAdminException("1001(Mgmtd::NotInitialized)", "the cluster is not initialized: run init-cluster first");
        }

        if (_mutating.Contains(name) && State.Users.Count > 0 && !State.Users.Any(u => u.Admin && u.Token == token))
        {
            throw new SimAdminException("2002(Meta::NoPermission)", $"{name} needs an admin token (--config.user_info.token)");
        }

        if (name is not ("init-cluster" or "set-config" or "user-add") && !State.Nodes.Any(n => n.Value.Type == "MGMTD" && n.Value.Up))
        {
            throw new SimAdminException("5001(Mgmtd::NotPrimary)", "no mgmtd is serving: cannot reach the primary mgmtd");
        }

        return name switch
        {
            "init-cluster" => InitCluster(args),
            "set-config" => SetConfig(args),
            "user-add" => UserAdd(args),
            "list-nodes" => SimTables.Nodes(State, now),
            "list-chains" => SimTables.Chains(State),
            "list-targets" => SimTables.Targets(State),
            "list-chain-tables" => SimTables.ChainTables(State),
            "create-target" => CreateTarget(args),
            "upload-chains" => UploadChains(args, now),
            "upload-chain-table" => UploadChainTable(args),
            "update-chain" => UpdateChain(args, now),
            "offline-target" => OfflineTarget(args, now),
            "remove-target" => RemoveTarget(args),
            _ => throw new SimAdminException("1002(StatusCode::kInvalidArg)", $"unknown command {name}"),
        };
    }

    private string InitCluster(Arguments args)
    {
        if (State.Initialized && State.FoundationDB == database)
        {
            // Upstream stores the config in FoundationDB once; a second init fails and needs the database wiped.
            throw new SimAdminException("1003(Mgmtd::ClusterAlreadyInitialized)", $"FoundationDB {database} already holds 3FS cluster {State.ClusterId}; init-cluster runs once per FoundationDB");
        }

        // Whatever was kept for another database is not in this one.
        State.Clear();
        var file = args.Option("--mgmtd") ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "init-cluster needs --mgmtd <config file>");
        var positional = args.Positional;
        if (positional.Count < 3)
        {
            throw new SimAdminException("1002(StatusCode::kInvalidArg)", "init-cluster needs <chainTableId> <chunkSize> <stripeSize>");
        }

        State.Configs["MGMTD"] = readFile(file);
        State.ChainTableId = int.Parse(positional[0], CultureInfo.InvariantCulture);
        State.ChunkSize = long.Parse(positional[1], CultureInfo.InvariantCulture);
        State.StripeSize = int.Parse(positional[2], CultureInfo.InvariantCulture);
        State.ClusterId = clusterId;
        State.FoundationDB = database;
        State.Initialized = true;
        return "Init filesystem, root directory layout: chain table ChainTableId(" + positional[0] + "), chunksize " + positional[1] + ", stripesize " + positional[2] + "\n";
    }

    private string SetConfig(Arguments args)
    {
        var type = args.Option("--type") ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "set-config needs --type");
        var file = args.Option("--file") ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "set-config needs --file");
        State.Configs[type] = readFile(file);
        return $"Succeed\nConfigVersion  {State.Configs.Count}\n";
    }

    private string UserAdd(Arguments args)
    {
        var positional = args.Positional;
        if (positional.Count < 2)
        {
            throw new SimAdminException("1002(StatusCode::kInvalidArg)", "user-add needs <uid> <name>");
        }

        var admin = args.Flag("--admin") || args.Flag("--root");
        if (State.Users.Count == 0 && !admin)
        {
            throw new SimAdminException("2002(Meta::NoPermission)", "the first user must be an admin");
        }

        var existing = State.Users.FirstOrDefault(u => u.Name == positional[1]);
        var token = args.Option("--token") ?? existing?.Token ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        if (existing is null)
        {
            State.Users.Add(new SimUser { Name = positional[1], Uid = long.Parse(positional[0], CultureInfo.InvariantCulture), Token = token, Admin = admin });
        }

        return $"Uid                {positional[0]}\nName               {positional[1]}\nToken              {token}\nIsRootUser         {args.Flag("--root").ToString().ToLowerInvariant()}\nIsAdmin            {admin.ToString().ToLowerInvariant()}\n";
    }

    private string CreateTarget(Arguments args)
    {
        var nodeId = args.Long("--node-id");
        var targetId = args.Long("--target-id");
        var disk = (int)args.Long("--disk-index");
        if (!State.Nodes.TryGetValue(nodeId, out var node) || node.Type != "STORAGE")
        {
            throw new SimAdminException("5008(Mgmtd::NodeNotFound)", $"storage node {nodeId} is not registered");
        }

        if (State.Targets.TryGetValue(targetId, out var existing))
        {
            // Creating the same target again is accepted, so a command file can be replayed.
            return existing.NodeId == nodeId && existing.DiskIndex == disk
                ? ""
                : throw new SimAdminException("5009(Mgmtd::TargetExisted)", $"target {targetId} exists on node {existing.NodeId} disk {existing.DiskIndex}");
        }

        // The chain it is meant for (--chain-id) takes it with upload-chains or update-chain.
        State.Targets[targetId] = new SimTarget { NodeId = nodeId, DiskIndex = disk, PublicState = TargetStates.Offline };
        return "";
    }

    private string UploadChains(Arguments args, DateTimeOffset now)
    {
        var path = args.Positional.FirstOrDefault() ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "upload-chains needs a csv file");
        var rows = readFile(path).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)
            .Select(l => l.Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList()).ToList();
        foreach (var row in rows)
        {
            var (chainId, targets) = (row[0], row.Skip(1).ToList());
            if (State.Chains.TryGetValue(chainId, out var chain))
            {
                if (!chain.Targets.Order().SequenceEqual(targets.Order()))
                {
                    throw new SimAdminException("5007(Mgmtd::InvalidChainTable)", $"Target mismatch of ChainId({chainId}). old: [{string.Join(',', chain.Targets)}]. new: [{string.Join(',', targets)}]");
                }

                continue;
            }

            foreach (var target in targets)
            {
                if (!State.Targets.TryGetValue(target, out var t))
                {
                    throw new SimAdminException("5010(Mgmtd::TargetNotFound)", $"target {target} of chain {chainId} was not created");
                }

                if (t.ChainId is { } other && other != chainId)
                {
                    throw new SimAdminException("5007(Mgmtd::InvalidChainTable)", $"target {target} already belongs to chain {other}");
                }
            }

            State.Chains[chainId] = new SimChain { Targets = targets };
            foreach (var target in targets)
            {
                var t = State.Targets[target];
                t.ChainId = chainId;
                simulator.Set(target, t, simulator.NodeUp(t.NodeId) ? TargetStates.Serving : TargetStates.Offline, now);
            }
        }

        simulator.Advance(now);
        return "";
    }

    private string UploadChainTable(Arguments args)
    {
        var positional = args.Positional;
        if (positional.Count < 2)
        {
            throw new SimAdminException("1002(StatusCode::kInvalidArg)", "upload-chain-table needs <tableId> <csv file>");
        }

        var tableId = int.Parse(positional[0], CultureInfo.InvariantCulture);
        var chains = readFile(positional[1]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)
            .Select(l => long.Parse(l, CultureInfo.InvariantCulture)).ToList();
        var missing = chains.FirstOrDefault(c => !State.Chains.ContainsKey(c));
        if (missing != 0)
        {
            throw new SimAdminException("5007(Mgmtd::InvalidChainTable)", $"chain {missing} is not uploaded");
        }

        if (State.ChainTables.TryGetValue(tableId, out var current) && current.SequenceEqual(chains))
        {
            return "";
        }

        State.ChainTables[tableId] = chains;
        State.ChainTableVersions[tableId] = State.ChainTableVersions.GetValueOrDefault(tableId) + 1;
        return "";
    }

    private string UpdateChain(Arguments args, DateTimeOffset now)
    {
        var mode = args.Option("--mode");
        var positional = args.Positional;
        if (positional.Count < 2 || mode is not ("add" or "remove"))
        {
            throw new SimAdminException("1002(StatusCode::kInvalidArg)", "update-chain needs --mode add|remove <chainId> <targetId>");
        }

        var chainId = long.Parse(positional[0], CultureInfo.InvariantCulture);
        var targetId = long.Parse(positional[1], CultureInfo.InvariantCulture);
        if (!State.Chains.TryGetValue(chainId, out var chain) || !State.Targets.TryGetValue(targetId, out var target))
        {
            throw new SimAdminException("5010(Mgmtd::TargetNotFound)", $"chain {chainId} or target {targetId} does not exist");
        }

        if (mode == "add")
        {
            if (chain.Targets.Contains(targetId))
            {
                return "";
            }

            if (target.ChainId is { } other && other != chainId)
            {
                throw new SimAdminException("5007(Mgmtd::InvalidChainTable)", $"target {targetId} belongs to chain {other}");
            }

            simulator.AddToChain(chainId, targetId, now);
            return "";
        }

        if (!chain.Targets.Contains(targetId))
        {
            return "";
        }

        if (target.PublicState != TargetStates.Offline)
        {
            throw new SimAdminException("5011(Mgmtd::InvalidTargetState)", $"target {targetId} is {target.PublicState}: offline it before removing it from chain {chainId}");
        }

        if (chain.Targets.Count == 1)
        {
            throw new SimAdminException("5007(Mgmtd::InvalidChainTable)", $"target {targetId} is the last of chain {chainId}");
        }

        chain.Targets.Remove(targetId);
        chain.Version++;
        target.ChainId = null;
        return "";
    }

    private string OfflineTarget(Arguments args, DateTimeOffset now)
    {
        var targetId = args.Long("--target-id");
        if (!State.Targets.ContainsKey(targetId))
        {
            throw new SimAdminException("5010(Mgmtd::TargetNotFound)", $"target {targetId} does not exist");
        }

        simulator.Offline(targetId, now);
        return "";
    }

    private string RemoveTarget(Arguments args)
    {
        var targetId = args.Long("--target-id");
        if (!State.Targets.TryGetValue(targetId, out var target))
        {
            return "";
        }

        if (target.ChainId is { } chainId)
        {
            throw new SimAdminException("5011(Mgmtd::InvalidTargetState)", $"target {targetId} is still in chain {chainId}");
        }

        State.Targets.Remove(targetId);
        return "";
    }

    private sealed class Arguments(List<string> words)
    {
        public List<string> Positional
        {
            get
            {
                var result = new List<string>();
                for (var i = 0; i < words.Count; i++)
                {
                    if (words[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        // Flags without a value; every other option takes the next word.
                        if (words[i] is not ("--root" or "--admin" or "--use-new-chunk-engine"))
                        {
                            i++;
                        }

                        continue;
                    }

                    result.Add(words[i]);
                }

                return result;
            }
        }

        public string? Option(string name) => words.IndexOf(name) is var i and >= 0 && i + 1 < words.Count ? words[i + 1] : null;

        public bool Flag(string name) => words.Contains(name);

        public long Long(string name) => long.TryParse(Option(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SimAdminException("1002(StatusCode::kInvalidArg)", $"{name} needs a number");
    }
}

/// <summary>An admin_cli error: upstream's code and name, and the reason.</summary>
public sealed class SimAdminException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
