using System.CommandLine;
using k8s;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Cli.Top;

/// <summary>
/// <c>moe top</c>: one terminal view of the EPGroups, 3FS clusters and TrainingJobs with the numbers the chart's
/// dashboards show, for users without Grafana; <c>--heatmap GROUP</c> adds that group's expert-load heatmap, and
/// <c>--watch</c> redraws it until Ctrl-C.
/// </summary>
internal static class TopCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)" };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Namespace to show (default: the kubeconfig context's, else default)" };
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Show every namespace" };
        var heatmap = new Option<string?>("--heatmap") { Description = "Also draw this EPGroup's expert-load heatmap (ranks x physical expert slots, and the logical experts)" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw every --interval until Ctrl-C" };
        var interval = new Option<string>("--interval") { Description = "Time between redraws with --watch, for example 2s or 500ms", DefaultValueFactory = _ => "2s" };
        var command = new Command("top", "Show EPGroups, 3FS clusters and TrainingJobs with the numbers of the dashboards: ranks, tokens/s, dispatch/combine latency, imbalance, chains, FoundationDB, training step, loss, checkpoints")
        {
            kubeconfig, ns, all, heatmap, watch, interval,
        };
        command.SetAction(async (result, token) =>
        {
            TimeSpan every;
            try
            {
                every = Durations.Parse(result.GetValue(interval)!);
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync($"moe top: --interval: {e.Message}");
                return 2;
            }

            if (every <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync("moe top: --interval must be positive, for example 2s");
                return 2;
            }

            KubernetesClientConfiguration configuration;
            try
            {
                configuration = result.GetValue(kubeconfig) is { } path
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
                    : KubernetesClientConfiguration.BuildDefaultConfig();
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
            {
                await Console.Error.WriteLineAsync($"moe top: cannot read the kubeconfig: {e.Message}; pass --kubeconfig");
                return 1;
            }

            var scope = result.GetValue(all) ? null : result.GetValue(ns) ?? configuration.Namespace ?? "default";
            var group = result.GetValue(heatmap);
            if (group is not null && scope is null)
            {
                await Console.Error.WriteLineAsync("moe top: --heatmap names a group of one namespace: use --namespace with it, not --all-namespaces");
                return 2;
            }

            using var client = new Kubernetes(configuration);
            var reader = new TopReader(new KubernetesJsonClient(client));
            return await RunAsync(reader, scope, group, result.GetValue(watch) ? every : null, Console.Out, token);
        });
        return command;
    }

    /// <summary>Draws once, or every <paramref name="every"/> until cancelled; 1 when a read fails or the heatmap's group does not exist.</summary>
    public static async Task<int> RunAsync(TopReader reader, string? ns, string? heatmap, TimeSpan? every, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            do
            {
                var view = TopView.Render(await reader.ReadAsync(ns, cancellationToken));
                if (heatmap is not null)
                {
                    if (await reader.GroupAsync(ns!, heatmap, cancellationToken) is null)
                    {
                        await output.FlushAsync(cancellationToken);
                        await Console.Error.WriteLineAsync($"moe top: no EPGroup {heatmap} in namespace {ns}; `kubectl get epg -n {ns}` lists them");
                        return 1;
                    }

                    view += ExpertHeatmap.Render($"{ns}/{heatmap}", (await reader.WorkersAsync(ns!, heatmap, cancellationToken)).Samples);
                }

                // On a terminal a redraw replaces the last one; into a file or a pipe each is appended.
                await output.WriteAsync(every is not null && !Console.IsOutputRedirected ? "\u001b[H\u001b[2J" + view : view);
                await output.FlushAsync(cancellationToken);
                if (every is { } delay)
                {
                    await Task.Delay(delay, cancellationToken);
                }
            }
            while (every is not null);

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is TopReadException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"moe top: {e.Message}");
            return 1;
        }
    }
}
