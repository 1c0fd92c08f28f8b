using k8s;
using MoeOperator.Runtime.Metrics;

namespace MoeOperator.Runtime.Client;

/// <summary>The operator's API client: client-side QPS and burst limits, and every request counted in rest_client_requests_total.</summary>
public static class OperatorClient
{
    public static Kubernetes Create(KubernetesClientConfiguration configuration, double qps, int burst, RuntimeMetrics metrics, TimeProvider clock)
    {
#pragma warning disable CA2000 // the client owns and disposes its handlers
        return new Kubernetes(configuration, new ClientRateLimitHandler(qps, burst, clock), new RestClientMetricsHandler(metrics));
#pragma warning restore CA2000
    }
}
