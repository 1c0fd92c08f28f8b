using System.CommandLine;
using MoeOperator.Controllers;
using MoeOperator.Hosting;

namespace MoeOperator.Cli;

/// <summary><c>moe operator</c>: runs the controllers against a cluster, with kubebuilder's flags (the chart passes them).</summary>
internal static class OperatorCommand
{
    public static Command Create(IReadOnlyList<IKindModule> kinds)
    {
        var defaults = new OperatorFlags();
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)" };
        var metrics = new Option<string>("--metrics-bind-address") { Description = "Where /metrics listens, for example :8080 or 127.0.0.1:8080; 0 turns it off", DefaultValueFactory = _ => defaults.MetricsBindAddress };
        var probes = new Option<string>("--health-probe-bind-address") { Description = "Where /healthz and /readyz listen; 0 turns them off", DefaultValueFactory = _ => defaults.HealthProbeBindAddress };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Hold a Lease so that only one replica reconciles" };
        var leaseNamespace = new Option<string?>("--leader-election-namespace") { Description = "Namespace of the Lease (default: the pod's namespace)" };
        var leaseName = new Option<string>("--leader-election-id") { Description = "Name of the Lease", DefaultValueFactory = _ => defaults.LeaderElectionId };
        var leaseDuration = new Option<string>("--leader-election-lease-duration") { Description = "How long a lease lasts without renewal; a standby takes over after it", DefaultValueFactory = _ => defaults.LeaderElectionLeaseDuration };
        var renewDeadline = new Option<string>("--leader-election-renew-deadline") { Description = "How long the leader retries renewing before it gives up", DefaultValueFactory = _ => defaults.LeaderElectionRenewDeadline };
        var retryPeriod = new Option<string>("--leader-election-retry-period") { Description = "How often candidates try to acquire or renew the lease", DefaultValueFactory = _ => defaults.LeaderElectionRetryPeriod };
        var qps = new Option<double>("--kube-api-qps") { Description = "Requests per second to the API server", DefaultValueFactory = _ => defaults.KubeApiQps };
        var burst = new Option<int>("--kube-api-burst") { Description = "Requests allowed in a burst above the QPS", DefaultValueFactory = _ => defaults.KubeApiBurst };
        var workerImage = new Option<string?>("--worker-image") { Description = $"Image of the kernel worker (default: {OperatorSettings.DefaultWorkerImage})" };
        var logLevel = new Option<string>("--log-level") { Description = "debug, info, warn or error", DefaultValueFactory = _ => defaults.LogLevel };
        var logFormat = new Option<string>("--log-format") { Description = "json (one object per line) or text", DefaultValueFactory = _ => defaults.LogFormat };
        var namespaces = new Option<string[]>("--namespace") { Description = "A namespace to watch; repeat it for several (default: every namespace)" };
        var command = new Command("operator", "Run the operator's controllers against a cluster")
        {
            kubeconfig, metrics, probes, leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
            qps, burst, workerImage, logLevel, logFormat, namespaces,
        };
        command.SetAction((result, token) => RunAsync(new OperatorFlags
        {
            Kubeconfig = result.GetValue(kubeconfig),
            MetricsBindAddress = result.GetValue(metrics)!,
            HealthProbeBindAddress = result.GetValue(probes)!,
            LeaderElect = result.GetValue(leaderElect),
            LeaderElectionNamespace = result.GetValue(leaseNamespace),
            LeaderElectionId = result.GetValue(leaseName)!,
            LeaderElectionLeaseDuration = result.GetValue(leaseDuration)!,
            LeaderElectionRenewDeadline = result.GetValue(renewDeadline)!,
            LeaderElectionRetryPeriod = result.GetValue(retryPeriod)!,
            KubeApiQps = result.GetValue(qps),
            KubeApiBurst = result.GetValue(burst),
            WorkerImage = result.GetValue(workerImage),
            LogLevel = result.GetValue(logLevel)!,
            LogFormat = result.GetValue(logFormat)!,
            Namespaces = result.GetValue(namespaces) ?? [],
        }, kinds, token));
        return command;
    }

    private static async Task<int> RunAsync(OperatorFlags flags, IReadOnlyList<IKindModule> kinds, CancellationToken cancellationToken)
    {
        OperatorProcess process;
        try
        {
            process = new OperatorProcess(flags, kinds);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"moe operator: {e.Message}");
            return 2;
        }

        using (process)
        using (var stop = Signals.StopOnTermination(cancellationToken))
        {
            try
            {
                return await process.RunAsync(stop.Token);
            }
            catch (Runtime.Hosting.EndpointBindException e)
            {
                await Console.Error.WriteLineAsync($"moe operator: {e.Message}; choose another address with {(e.Endpoint == "metrics" ? "--metrics-bind-address" : "--health-probe-bind-address")}");
                return 1;
            }
        }
    }
}
