using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// kubectl exec and kubectl cp against a running pod of the dev cluster, over the WebSocket protocol kubectl 1.35
/// speaks: the command runs in the pod's sandbox (its filesystem view, hostname and environment), stdin reaches
/// it, its exit code reaches kubectl, and files copy in and out through tar in the pod.
/// </summary>
public sealed class PodExecTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    private async Task RunningPodAsync(string name)
    {
        var pod = Manifests.PythonPod(name, "import time\nprint('up', flush=True)\ntime.sleep(600)");
        var container = pod["spec"]!["containers"]![0]!.AsObject();
        container["env"] = new JsonArray(new JsonObject { ["name"] = "GREETING", ["value"] = "from-the-pod" });
        container["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "work", ["mountPath"] = "/work" });
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "work", ["emptyDir"] = new JsonObject() });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync($"/api/v1/namespaces/{{ns}}/pods/{name}"))?["status"]?["phase"] == "Running", $"{name} to run", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Exec_RunsInThePodsSandbox_WithItsEnvironment_AndReturnsItsExitCode()
    {
        await RunningPodAsync("shell");

        var ls = _cluster.Kubectl("exec", "-n", ClusterSession.Ns, "shell", "--", "ls", "/");
        var identity = _cluster.Kubectl("exec", "-n", ClusterSession.Ns, "shell", "-c", "main", "--", "sh", "-c", "echo $GREETING; hostname; ls /work && echo mounted");
        var failing = _cluster.Kubectl("exec", "-n", ClusterSession.Ns, "shell", "--", "sh", "-c", "echo partial; echo oops >&2; exit 3");

        ls.ExitCode.ShouldBe(0, ls.Output);
        ls.Stdout.Split('\n').ShouldContain("work", "the pod's volume is mounted at /work in the exec's view");
        ls.Stdout.Split('\n').ShouldContain("etc");
        identity.ExitCode.ShouldBe(0, identity.Output);
        identity.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["from-the-pod", "shell", "mounted"]);
        failing.ExitCode.ShouldBe(3, failing.Output);
        failing.Stdout.ShouldContain("partial");
        failing.Stderr.ShouldContain("oops");
    }

    [Fact]
    public async Task KubernetesClientsExec_OverV4_ReadsTheOutputAndTheExitCode()
    {
        await RunningPodAsync("client");
        string? stdout = null, stderr = null;

        var ok = await _cluster.Client.NamespacedPodExecAsync("client", ClusterSession.Ns, "main", ["sh", "-c", "echo $GREETING; echo warn >&2"], tty: false, async (_, output, error) =>
        {
            using var outReader = new StreamReader(output);
            using var errReader = new StreamReader(error);
            (stdout, stderr) = (await outReader.ReadToEndAsync(), await errReader.ReadToEndAsync());
        }, CancellationToken.None);
        var failed = await _cluster.Client.NamespacedPodExecAsync("client", ClusterSession.Ns, "main", ["sh", "-c", "exit 7"], tty: false, (_, _, _) => Task.CompletedTask, CancellationToken.None);

        ok.ShouldBe(0);
        stdout.ShouldBe("from-the-pod\n");
        stderr.ShouldBe("warn\n");
        failed.ShouldBe(7, "KubernetesClient reads the exit code from the status on the error channel");
    }

    [Fact]
    public async Task ExecWithStdin_AndCp_MoveBytesBothWays()
    {
        await RunningPodAsync("files");
        var local = Path.Combine(Path.GetTempPath(), $"moe-cp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(local);
        try
        {
            var piped = Testing.Tools.Run(Testing.Tools.Kubectl, ["--kubeconfig", _cluster.Kubeconfig, "exec", "-i", "-n", ClusterSession.Ns, "files", "--", "sh", "-c", "cat > /work/piped && wc -c < /work/piped"], stdin: "twelve bytes", timeout: TimeSpan.FromSeconds(60));
            piped.ExitCode.ShouldBe(0, piped.Output);
            piped.Stdout.Trim().ShouldBe("12", "stdin reached the command and ended, so cat finished");

            var payload = string.Join("\n", Enumerable.Range(0, 5000).Select(i => $"line {i}"));
            File.WriteAllText(Path.Combine(local, "in.txt"), payload);
            var copyIn = _cluster.Kubectl("cp", Path.Combine(local, "in.txt"), $"{ClusterSession.Ns}/files:/work/in.txt");
            copyIn.ExitCode.ShouldBe(0, copyIn.Output);
            _cluster.Kubectl("exec", "-n", ClusterSession.Ns, "files", "--", "wc", "-l", "/work/in.txt").Stdout.Trim().ShouldStartWith("4999");

            var copyOut = _cluster.Kubectl("cp", $"{ClusterSession.Ns}/files:/work/in.txt", Path.Combine(local, "out.txt"));
            copyOut.ExitCode.ShouldBe(0, copyOut.Output);
            File.ReadAllText(Path.Combine(local, "out.txt")).ShouldBe(payload);
        }
        finally
        {
            Directory.Delete(local, recursive: true);
        }
    }

    [Fact]
    public async Task Attach_ShowsTheContainersOutputFromThenOn_UntilItEnds()
    {
        var pod = Manifests.PythonPod("chatty", "import time\nfor i in range(40):\n    print(f'tick {i}', flush=True)\n    time.sleep(0.3)");
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync("/api/v1/namespaces/{ns}/pods/chatty"))?["status"]?["phase"] == "Running", "chatty to run", TimeSpan.FromSeconds(60));

        var attached = _cluster.Kubectl("attach", "-n", ClusterSession.Ns, "chatty");

        attached.ExitCode.ShouldBe(0, attached.Output);
        var ticks = attached.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        ticks.ShouldContain("tick 39", "kubectl attach streams until the container ends");
        var first = int.Parse(ticks[0]["tick ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        ticks.ShouldBe(Enumerable.Range(first, 40 - first).Select(i => $"tick {i}"), "every line from the moment of attaching, once, in order");
    }

    [Fact]
    public async Task DetachingMidStream_LeavesTheContainerRunning()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.PythonPod("steady", "import time\nwhile True:\n    print('beat', flush=True)\n    time.sleep(0.3)"));
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync("/api/v1/namespaces/{ns}/pods/steady"))?["status"]?["phase"] == "Running", "steady to run", TimeSpan.FromSeconds(60));
        using (var attached = Testing.StreamingProcess.Start(Testing.Tools.Kubectl, ["--kubeconfig", _cluster.Kubeconfig, "attach", "-n", ClusterSession.Ns, "steady"]))
        {
            await _cluster.WaitForAsync(() => Task.FromResult(attached.Lines.Contains("beat")), "kubectl attach to stream a beat", TimeSpan.FromSeconds(30));
            attached.HasExited.ShouldBeFalse("attach follows a running container until it ends");
        }

        var exec = _cluster.Kubectl("exec", "-n", ClusterSession.Ns, "steady", "--", "echo", "still here");

        exec.Stdout.ShouldContain("still here", customMessage: "detaching (kubectl killed) stops nothing in the pod");
        ((string?)(await _cluster.GetAsync("/api/v1/namespaces/{ns}/pods/steady"))!["status"]!["phase"]).ShouldBe("Running");
        _cluster.ShouldHaveNoComponentErrors();
    }
}
