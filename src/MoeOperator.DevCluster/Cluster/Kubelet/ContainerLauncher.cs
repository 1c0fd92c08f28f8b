using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// Starts one run of a container: a real process when its image maps to a local program (command line, environment,
/// volumes, hosts file, sandbox), a <see cref="SimulatedContainer"/> otherwise.
/// </summary>
internal sealed class ContainerLauncher(KubeletOptions options, PodVolumes volumes, ServiceAccountFiles serviceAccount, Func<string, string, string, JsonObject?> lookup, TimeProvider clock)
{
    public const string StartDelayAnnotation = "sim.moe.dev/start-delay";
    public const string RunTimeAnnotation = "sim.moe.dev/run-time";
    public const string ExitCodeAnnotation = "sim.moe.dev/exit-code";

    /// <summary>The program an image runs as, or null when the image is simulated.</summary>
    public LocalProgram? ProgramFor(string? image)
    {
        if (image is null)
        {
            return null;
        }

        if (options.Programs.TryGetValue(image, out var exact))
        {
            return exact;
        }

        var repository = image.Split('@')[0];
        var colon = repository.LastIndexOf(':');
        if (colon > repository.LastIndexOf('/'))
        {
            repository = repository[..colon];
        }

        return options.Programs.TryGetValue(repository, out var byRepository) ? byRepository : null;
    }

    public IContainerRun Start(JsonObject pod, PodRuntime runtime, ContainerState container, string hostIp, string hostsFile)
    {
        var program = ProgramFor((string?)container.Spec["image"]);
        if (program is null)
        {
            return Simulated(pod, container.IsInit);
        }

        var (variables, processEnvironment) = Environments(pod, runtime, container, program, hostIp);
        var argv = Command(container.Spec, program, variables);
        var log = Path.Combine(runtime.Directory, "logs", container.Name, (container.Runs + 1).ToString(CultureInfo.InvariantCulture) + ".log");
        if (!options.Sandbox)
        {
            return ProcessContainer.Start(argv, processEnvironment, runtime.Directory, log, clock);
        }

        var mounts = volumes.Prepare(pod, runtime.Directory, container.Spec);
        mounts.Add(new Mount("/etc/hosts", hostsFile, ReadOnly: false));
        mounts.AddRange(program.ImageFiles.Select(f => new Mount(f.Key, f.Value, ReadOnly: true)));
        var root = Path.Combine(runtime.Directory, "rootfs", container.Name);
        Directory.CreateDirectory(root);
        var script = SandboxScript.Build(root, HostsFile.Hostname(pod), mounts, (string?)container.Spec["workingDir"] ?? "/", ListDirectory);
        var scriptPath = SandboxScriptPath(runtime, container);
        Directory.CreateDirectory(Path.GetDirectoryName(scriptPath)!);
        File.WriteAllText(scriptPath, script);
        return ProcessContainer.Start(["unshare", "-rmu", "sh", scriptPath, .. argv], processEnvironment, runtime.Directory, log, clock);
    }

    /// <summary>
    /// Starts <paramref name="command"/> as kubectl exec runs it: with the running container's environment and, in a
    /// sandbox, the same script, so it sees the container's filesystem (root, volumes, hosts file) and hostname.
    /// </summary>
    public Process Exec(JsonObject pod, PodRuntime runtime, ContainerState container, string hostIp, IReadOnlyList<string> command)
    {
        var program = ProgramFor((string?)container.Spec["image"])
            ?? throw new InvalidOperationException($"container {container.Name} runs the simulated image {container.Spec["image"]}, which has no processes to exec into; map the image to a program in the kubelet's options");
        var (_, processEnvironment) = Environments(pod, runtime, container, program, hostIp);
        IReadOnlyList<string> argv = options.Sandbox ? ["unshare", "-rmu", "sh", SandboxScriptPath(runtime, container), .. command] : command;
        var workingDirectory = options.Sandbox ? runtime.Directory : (string?)container.Spec["workingDir"] is { } dir && Directory.Exists(dir) ? dir : runtime.Directory;
        var start = ProcessContainer.StartInfo(argv, processEnvironment, workingDirectory);
        return Process.Start(start) ?? throw new InvalidOperationException($"{argv[0]} did not start");
    }

    private static string SandboxScriptPath(PodRuntime runtime, ContainerState container) => Path.Combine(runtime.Directory, "scripts", container.Name + ".sh");

    // The container's own variables, and the whole environment its process gets (the host's basics, the program's,
    // the service account's, then the container's).
    private (List<KeyValuePair<string, string>> Variables, List<KeyValuePair<string, string>> Process) Environments(JsonObject pod, PodRuntime runtime, ContainerState container, LocalProgram program, string hostIp)
    {
        var environment = ContainerEnvironment.Build(pod, container.Spec, runtime.Ip, hostIp, (ns, name) => lookup("configmaps", ns, name), (ns, name) => lookup("secrets", ns, name));
        var variables = environment.ToList();
        var processEnvironment = new List<KeyValuePair<string, string>>();
        foreach (var name in new[] { "PATH", "HOME", "DOTNET_ROOT", "LANG", "TMPDIR" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                processEnvironment.Add(new(name, value));
            }
        }

        processEnvironment.Add(new("HOSTNAME", HostsFile.Hostname(pod)));
        processEnvironment.AddRange(program.Environment.Where(v => !variables.Any(c => c.Key == v.Key)));
        processEnvironment.AddRange(serviceAccount.Environment);
        processEnvironment.AddRange(variables);
        return (variables, processEnvironment);
    }

    /// <summary>The command line: the container's command, or the program's entrypoint, then its args, with $(VAR) expanded.</summary>
    public static List<string> Command(JsonObject container, LocalProgram program, IReadOnlyList<KeyValuePair<string, string>> variables)
    {
        var command = container["command"]?.AsArray().Select(c => ContainerEnvironment.Expand((string?)c ?? "", variables)).ToList();
        var args = container["args"]?.AsArray().Select(a => ContainerEnvironment.Expand((string?)a ?? "", variables)).ToList() ?? [];
        return command is { Count: > 0 } ? [.. command, .. args] : [program.Executable, .. program.Arguments, .. args];
    }

    private SimulatedContainer Simulated(JsonObject pod, bool init)
    {
        var annotations = pod["metadata"]?["annotations"];
        // Init containers and Job pods finish (the pod's main containers start; Jobs of third-party images
        // complete); anything else runs until stopped, as a daemon does.
        var finishes = init || pod["metadata"]?["ownerReferences"]?.AsArray().Any(o => (string?)o?["kind"] == "Job") == true;
        var delay = (string?)annotations?[StartDelayAnnotation] is { } d ? Durations.Parse(d) : options.SimulatedStartDelay;
        TimeSpan? runTime = (string?)annotations?[RunTimeAnnotation] is { } r ? Durations.Parse(r) : finishes ? options.SimulatedRunTime : null;
        var exitCode = int.TryParse((string?)annotations?[ExitCodeAnnotation], CultureInfo.InvariantCulture, out var code) ? code : 0;
        return new SimulatedContainer(clock, delay, runTime, exitCode);
    }

    private static IReadOnlyList<(string Name, SandboxScript.EntryKind Kind, string? LinkTarget)> ListDirectory(string directory)
    {
        var entries = new List<(string, SandboxScript.EntryKind, string?)>();
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            var kind = entry.LinkTarget is not null ? SandboxScript.EntryKind.Symlink
                : entry is DirectoryInfo ? SandboxScript.EntryKind.Directory
                : SandboxScript.EntryKind.File;
            entries.Add((entry.Name, kind, entry.LinkTarget));
        }

        return [.. entries.OrderBy(e => e.Item1, StringComparer.Ordinal)];
    }
}
