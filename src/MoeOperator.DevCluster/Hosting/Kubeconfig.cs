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

    /// <summary>Writes the file readable by its owner only: it holds the admin token.</summary>
    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
