using MoeOperator.DevCluster.Tests.Integration;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Tools;

/// <summary>Real kubectl and helm pointed at a dev server through a kubeconfig of their own.</summary>
public sealed class KubectlHarness : IAsyncLifetime, IDisposable
{
    private readonly DevServer _dev = new();
    private readonly ScratchDirectory _scratch = new();

    public DevServer Dev => _dev;

    public string KubeconfigPath => _scratch.Path("kubeconfig");

    public string Scratch(string name) => _scratch.Path(name);

    public async Task InitializeAsync()
    {
        await _dev.InitializeAsync();
        await File.WriteAllTextAsync(KubeconfigPath, _dev.Server.KubeconfigText);
    }

    public Task DisposeAsync() => _dev.DisposeAsync();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Runs kubectl with this server's kubeconfig and a private discovery cache.</summary>
    public ProcessResult Kubectl(params string[] arguments) =>
        Testing.Tools.Run(Testing.Tools.Kubectl, ["--kubeconfig", KubeconfigPath, "--cache-dir", _scratch.Path("kube-cache"), .. arguments], timeout: TimeSpan.FromSeconds(60));

    /// <summary>Runs kubectl and asserts it succeeded.</summary>
    public string KubectlOk(params string[] arguments)
    {
        var result = Kubectl(arguments);
        result.ExitCode.ShouldBe(0, $"kubectl {string.Join(' ', arguments)}:\n{result.Output}");
        return result.Stdout;
    }

    /// <summary>Runs helm with this server's kubeconfig and private helm directories.</summary>
    public ProcessResult Helm(params string[] arguments) =>
        Testing.Tools.Run(Testing.Tools.Helm, ["--kubeconfig", KubeconfigPath, .. arguments], timeout: TimeSpan.FromSeconds(120), environment: new()
        {
            ["HELM_CACHE_HOME"] = _scratch.Path("helm-cache"),
            ["HELM_CONFIG_HOME"] = _scratch.Path("helm-config"),
            ["HELM_DATA_HOME"] = _scratch.Path("helm-data"),
        });
}
