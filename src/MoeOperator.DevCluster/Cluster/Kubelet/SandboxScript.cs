using System.Text;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// The shell script that turns a process into a container without root: run under <c>unshare -rmu</c> (a user, a mount
/// and a UTS namespace of its own), it mounts a tmpfs as the new root, binds the machine's directories into it, binds
/// the pod's volumes at their mount paths, sets the pod's hostname (with <c>-u</c>, a UTS namespace too) (splitting a machine directory where a mount lands inside it, so nothing
/// is ever created on the machine itself), and execs the program under chroot in the working directory. The
/// directory listing is passed in, so the plan is pure.
/// </summary>
internal static class SandboxScript
{
    /// <summary>Entries of a machine directory: name and kind.</summary>
    internal enum EntryKind
    {
        Directory,
        File,
        Symlink,
    }

    public static string Build(string root, string hostname, IReadOnlyList<Mount> mounts, string workingDirectory, Func<string, IReadOnlyList<(string Name, EntryKind Kind, string? LinkTarget)>> list)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        var script = new StringBuilder();
        script.Append("set -e\n");
        script.Append($"echo {Quote(hostname)} > /proc/sys/kernel/hostname\n");
        script.Append($"mount -t tmpfs moe-root {Quote(root)}\n");
        Bind(script, root, "/", mounts.Select(m => m.ContainerPath).ToList(), list);
        foreach (var mount in mounts.OrderBy(m => m.ContainerPath.Length))
        {
            var target = root + mount.ContainerPath;
            script.Append(File.Exists(mount.HostPath)
                ? $"mkdir -p {Quote(Path.GetDirectoryName(target)!)} && touch {Quote(target)}\n"
                : $"mkdir -p {Quote(target)}\n");
            script.Append($"mount --bind {Quote(mount.HostPath)} {Quote(target)}\n");
            if (mount.ReadOnly)
            {
                script.Append($"mount -o remount,bind,ro {Quote(target)} || true\n");
            }
        }

        script.Append($"mkdir -p {Quote(root + workingDirectory)}\n");
        script.Append($"cd {Quote(root + workingDirectory)}\n");
        script.Append($"exec chroot {Quote(root)} /bin/sh -c 'cd \"$0\" && exec \"$@\"' {Quote(workingDirectory)} \"$@\"\n");
        return script.ToString();
    }

    /// <summary>Quotes a word for sh.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void Bind(StringBuilder script, string root, string directory, IReadOnlyList<string> mountPaths, Func<string, IReadOnlyList<(string Name, EntryKind Kind, string? LinkTarget)>> list)
    {
        foreach (var (name, kind, linkTarget) in list(directory))
        {
            var path = directory.TrimEnd('/') + "/" + name;
            if (mountPaths.Contains(path))
            {
                continue;
            }

            var target = Quote(root + path);
            if (mountPaths.Any(m => m.StartsWith(path + "/", StringComparison.Ordinal)) && kind != EntryKind.File)
            {
                // A volume lands inside: copy this level as a directory and bind its entries one by one (a symlinked
                // directory becomes a real one; its entries are reached through the link).
                script.Append($"mkdir -p {target}\n");
                Bind(script, root, path, mountPaths, list);
                continue;
            }

            script.Append(kind switch
            {
                EntryKind.Symlink => $"ln -s {Quote(linkTarget!)} {target}\n",
                EntryKind.Directory => $"mkdir -p {target} && mount --rbind {Quote(path)} {target}\n",
                _ => $"touch {target} && mount --bind {Quote(path)} {target}\n",
            });
        }
    }
}
