using System.Text;

namespace MoeOperator.DevCluster.Hosting;

/// <summary>Writes the kubeconfig kubectl, helm and the operator use to reach the dev API server.</summary>
public static class Kubeconfig
{
    public const string ContextName = "moe-dev";

    public static string Render(string serverUrl, string caPem, string token) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: {{ContextName}}
            cluster:
              server: {{serverUrl}}
              certificate-authority-data: {{Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem))}}
        users:
          - name: {{ContextName}}-admin
            user:
              token: {{token}}
        contexts:
          - name: {{ContextName}}
            context:
              cluster: {{ContextName}}
              user: {{ContextName}}-admin
              namespace: default
        current-context: {{ContextName}}
        preferences: {}

        """;

    /// <summary>
    /// Writes the file readable by its owner only (it holds the admin token), all at once: it is written beside the
    /// path and renamed over it, so a script that waits for the file never reads half of it.
    /// </summary>
    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var partial = path + ".partial";
        File.WriteAllText(partial, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(partial, path, overwrite: true);
    }
}
