using System.Diagnostics;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

public sealed class DevCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string MoeDll => Path.Combine(AppContext.BaseDirectory, "moe.dll");

    [Fact]
    public async Task UpDemo_RunsRealRanksAndA3FSCluster_UntilRebalancedAndServing_ThenSummarisesAndExits_AndRunsAgainOverItsOwnData()
    {
        // Twice with one state directory: the second run finds the first one's 3FS data and pod directories.
        foreach (var run in new[] { "first", "second" })
        {
            var (code, output, errors) = await RunDemoAsync(_scratch.Path("state"));

            code.ShouldBe(0, $"{run} run: {output}{errors}");
            output.ShouldContain("demo: starts afresh");
            output.ShouldContain("ranks 4/4 ready");
            output.ShouldContain("tokens/s");
            output.ShouldContain("Summary");
            output.ShouldContain("3fs tfs-minimal: Bootstrapping");
            output.ShouldContain("3fs tfs-minimal: Ready · 13/13 bootstrap steps, last clients · chains 16/16 serving");
            output.ShouldContain("3FS:        tfs-minimal bootstrapped in 13 steps (check-fdb-version -> init-cluster -> mgmtd -> set-config-meta");
            output.ShouldContain("train tj-demo: Running · step ");
            var training = output.Split('\n').Single(l => l.Contains("Training:   tj-demo trained 30 steps", StringComparison.Ordinal));
            var losses = System.Text.RegularExpressions.Regex.Match(training, @"loss (\d+\.\d+) -> (\d+\.\d+)");
            double.Parse(losses.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture).ShouldBeLessThan(double.Parse(losses.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), $"the loss falls: {training}");
            training.ShouldContain("checkpoint step 30", customMessage: "the second run starts afresh rather than adopting the first run's checkpoints");
            // Conflicts are quiet requeues and stopping is clean: no error lines, no stack traces.
            (output + errors).ShouldNotContain("fail:");
            (output + errors).ShouldNotContain("   at ");
            var eplb = output.Split('\n').Single(l => l.Contains("EPLB:", StringComparison.Ordinal));
            var numbers = System.Text.RegularExpressions.Regex.Matches(eplb, @"\d+\.\d+").Select(m => double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            numbers[1].ShouldBeLessThan(numbers[0], $"the measured imbalance must drop: {eplb}");
            // This run's pods only (other tests may run the same samples): they carry its API server's port.
            var port = System.Text.RegularExpressions.Regex.Match(output, @"API server https://127\.0\.0\.1:(\d+)").Groups[1].Value;
            port.ShouldNotBeEmpty(output);
            bool Ours(Process p) => ProcessEnvironment(p).Contains($"\0KUBERNETES_SERVICE_PORT={port}\0", StringComparison.Ordinal);
            Process.GetProcesses().Count(p => Ours(p) && ProcessEnvironment(p).Contains("\0MOE_GROUP=ep-demo\0", StringComparison.Ordinal)).ShouldBe(0, "the demo's ranks end with it");
            Process.GetProcesses().Count(p => Ours(p) && ProcessEnvironment(p).Contains("\"job\":\"tj-demo\"", StringComparison.Ordinal)).ShouldBe(0, "the demo's training ranks end with it");
        }
    }

    private static async Task<(int Code, string Output, string Errors)> RunDemoAsync(string state)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { MoeDll, "dev", "up", "--demo", "--port", "0", "--state-dir", state },
        };
        using var up = Process.Start(start)!;
        var stdout = up.StandardOutput.ReadToEndAsync();
        var stderr = up.StandardError.ReadToEndAsync();
        try
        {
            await up.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        }
        finally
        {
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }
        }

        return (up.ExitCode, await stdout, await stderr);
    }

    // No other test runs a group named ep-demo, so its variable identifies the demo's rank processes.
    private static string ProcessEnvironment(Process process)
    {
        try
        {
            return "\0" + File.ReadAllText($"/proc/{process.Id}/environ");
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    [Fact]
    public async Task Up_ServesKubectlAndRunsTheOperator_AndDownStopsItLeavingNoProcess()
    {
        var state = _scratch.Path("state");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { MoeDll, "dev", "up", "--port", "0", "--state-dir", state, "--metrics-bind-address", "127.0.0.1:0", "--health-probe-bind-address", "127.0.0.1:0", "--nodes", "3", "--program", "test/sleeper=sleep" },
        };
        using var up = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        up.OutputDataReceived += (_, line) => output.Enqueue(line.Data ?? "");
        up.ErrorDataReceived += (_, line) => output.Enqueue(line.Data ?? "");
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        try
        {
            var pidFile = Path.Combine(state, "apiserver.pid");
            // The kubeconfig is the signal a script waits for: the moment it exists, every sample must apply (the
            // CRDs established and the operator leading), as the README's users do it.
            await Eventually.HoldsAsync(() => File.Exists(Path.Combine(state, "kubeconfig")) || up.HasExited, "moe dev up to write its kubeconfig", TimeSpan.FromSeconds(60));
            if (up.HasExited)
            {
                throw new InvalidOperationException($"moe dev up exited with {up.ExitCode}: {string.Join('\n', output)}");
            }

            var samples = Kubectl(state, "apply", "--dry-run=server", "-f", RepoPaths.Of("crds", "samples"));
            samples.ExitCode.ShouldBe(0, samples.Output);
            samples.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(Directory.GetFiles(RepoPaths.Of("crds", "samples"), "*.yaml").Length, samples.Output);
            var unknown = _scratch.Path("unknown.yaml");
            await File.WriteAllTextAsync(unknown, "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\n");
            var missingKind = Kubectl(state, "apply", "-f", unknown);
            missingKind.ExitCode.ShouldBe(1);
            missingKind.Stderr.ShouldContain("no matches for kind \"Widget\" in version \"example.com/v1\"");
            missingKind.Stderr.ShouldContain("ensure CRDs are installed first");

            var namespaces = Tools.Run(Tools.Kubectl, ["--kubeconfig", Path.Combine(state, "kubeconfig"), "--cache-dir", _scratch.Path("cache"), "get", "namespaces", "-o", "name"]);
            namespaces.ExitCode.ShouldBe(0, namespaces.Output);
            namespaces.Stdout.ShouldContain("namespace/default");
            var crds = Tools.Run(Tools.Kubectl, ["--kubeconfig", Path.Combine(state, "kubeconfig"), "--cache-dir", _scratch.Path("cache"), "get", "crds", "-o", "name"]);
            crds.Stdout.ShouldContain("customresourcedefinition.apiextensions.k8s.io/epgroups.moe.dev");
            await Eventually.HoldsAsync(() => output.Any(l => l.Contains("metrics: http", StringComparison.Ordinal)), "the operator's metrics address");
            var metricsUrl = new Uri(output.First(l => l.Contains("metrics: http", StringComparison.Ordinal)).Split("metrics: ")[1].Trim());
            using var http = new HttpClient();
            await Eventually.HoldsAsync(
                async () => (await http.GetStringAsync(metricsUrl)).Contains("leader_election_master_status{name=\"moe-operator-leader\"} 1", StringComparison.Ordinal),
                "the operator to lead");
            var pod = _scratch.Path("sleeper.yaml");
            await File.WriteAllTextAsync(pod, $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleeper\nspec:\n  containers:\n    - name: main\n      image: test/sleeper:1\n      args: [\"{_sleepMarker}\"]\n");
            Kubectl(state, "apply", "-f", pod).ExitCode.ShouldBe(0);
            await Eventually.HoldsAsync(() => Kubectl(state, "get", "pod", "sleeper", "-o", "jsonpath={.status.phase}").Stdout == "Running", "the pod's process to run", TimeSpan.FromSeconds(30));
            var listing = Kubectl(state, "get", "nodes,pods", "-A");
            listing.ExitCode.ShouldBe(0, listing.Output);
            listing.Stdout.ShouldContain("node/dev-node-2");
            listing.Stdout.ShouldContain("pod/sleeper");
            await Eventually.HoldsAsync(() => SleepProcesses().Count == 1, "the pod to run as a real process");
            if (OperatingSystem.IsLinux())
            {
                File.GetUnixFileMode(Path.Combine(state, "kubeconfig")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the kubeconfig holds the admin token");
            }

            var down = Tools.Run("dotnet", [MoeDll, "dev", "down", "--state-dir", state]);
            down.ExitCode.ShouldBe(0, down.Output);
            (await Task.Run(() => up.WaitForExit(TimeSpan.FromSeconds(20)))).ShouldBeTrue("moe dev up exits after moe dev down");
            up.ExitCode.ShouldBe(0);
            File.Exists(pidFile).ShouldBeFalse();
            File.Exists(Path.Combine(state, "kubeconfig")).ShouldBeFalse("a stopped cluster leaves no kubeconfig that says it is up");
            output.ShouldNotContain(l => l.Contains("fail:", StringComparison.Ordinal) || l.StartsWith("   at ", StringComparison.Ordinal), "stopping prints no errors or stack traces");
            SleepProcesses().ShouldBeEmpty("stopping the cluster leaves no pod process behind");
        }
        finally
        {
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }
        }
    }

    // A number no other process on the machine sleeps for, so the test finds exactly its pod's process.
    private static readonly string _sleepMarker = (900_000 + Environment.ProcessId % 99_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static List<Process> SleepProcesses() =>
        [.. Process.GetProcessesByName("sleep").Where(p => File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(_sleepMarker, StringComparison.Ordinal))];

    private ProcessResult Kubectl(string state, params string[] arguments) =>
        Tools.Run(Tools.Kubectl, ["--kubeconfig", Path.Combine(state, "kubeconfig"), "--cache-dir", _scratch.Path("cache"), .. arguments]);

    [Fact]
    public async Task Up_WithABusyPort_FailsInOneLineNamingTheFlag_AndExits()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        var address = $"127.0.0.1:{port}";

        foreach (var (flags, flag) in new[]
        {
            (new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "--port"),
            (new[] { "--port", "0", "--metrics-bind-address", address }, "--metrics-bind-address"),
            (new[] { "--port", "0", "--health-probe-bind-address", address }, "--health-probe-bind-address"),
        })
        {
            var state = _scratch.Path($"busy-{flag.TrimStart('-')}");
            var result = await Task.Run(() => Tools.Run("dotnet", [MoeDll, "dev", "up", "--state-dir", state, .. flags], timeout: TimeSpan.FromSeconds(90)));

            result.ExitCode.ShouldBe(1, result.Output);
            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.ShouldHaveSingleItem(result.Output);
            lines[0].ShouldContain($"cannot listen on {address}");
            lines[0].ShouldContain("address already in use");
            lines[0].ShouldContain(flag);
            result.Output.ShouldNotContain("   at ");
            File.Exists(Path.Combine(state, "kubeconfig")).ShouldBeFalse();
            File.Exists(Path.Combine(state, "apiserver.pid")).ShouldBeFalse();
        }
    }

    [Fact]
    public async Task TwoClusters_WithTheirOwnStateDirectoriesAndPort0_RunSideBySide()
    {
        var states = new[] { _scratch.Path("first"), _scratch.Path("second") };
        var ups = states.Select(state => Process.Start(new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { MoeDll, "dev", "up", "--port", "0", "--state-dir", state, "--nodes", "2" },
        })!).ToList();
        var outputs = ups.Select(up => (Out: up.StandardOutput.ReadToEndAsync(), Err: up.StandardError.ReadToEndAsync())).ToList();
        try
        {
            foreach (var (state, up) in states.Zip(ups))
            {
                await Eventually.HoldsAsync(() => File.Exists(Path.Combine(state, "kubeconfig")) || up.HasExited, "both clusters to be ready", TimeSpan.FromSeconds(90));
                up.HasExited.ShouldBeFalse($"moe dev up --state-dir {state} exited");
                var nodes = Kubectl(state, "get", "nodes", "-o", "name");
                nodes.ExitCode.ShouldBe(0, nodes.Output);
                nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(2);
            }

            foreach (var state in states)
            {
                Tools.Run("dotnet", [MoeDll, "dev", "down", "--state-dir", state]).ExitCode.ShouldBe(0);
            }

            foreach (var (up, output) in ups.Zip(outputs))
            {
                (await Task.Run(() => up.WaitForExit(TimeSpan.FromSeconds(30)))).ShouldBeTrue();
                up.ExitCode.ShouldBe(0, await output.Out + await output.Err);
                // Each printed its own operator endpoints, on ports of its own.
                (await output.Out).ShouldContain("metrics: http://127.0.0.1:");
                (await output.Out).ShouldNotContain("127.0.0.1:18080");
            }
        }
        finally
        {
            foreach (var up in ups.Where(u => !u.HasExited))
            {
                up.Kill(entireProcessTree: true);
            }

            foreach (var up in ups)
            {
                up.Dispose();
            }
        }
    }

    [Fact]
    public void Down_WithNothingRunning_SaysSoAndFails()
    {
        var result = Tools.Run("dotnet", [MoeDll, "dev", "down", "--state-dir", _scratch.Path("none")]);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("no dev cluster is running");
    }
}
