using System.Globalization;

namespace MoeOperator.Runtime.Metrics;

/// <summary>Counts every request the Kubernetes client makes (rest_client_requests_total), as client-go does.</summary>
public sealed class RestClientMetricsHandler(RuntimeMetrics metrics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = request.RequestUri?.Authority ?? "";
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            metrics.RestRequest(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), request.Method.Method, host);
            return response;
        }
        catch (HttpRequestException)
        {
            // client-go reports transport failures with the code "<error>".
            metrics.RestRequest("<error>", request.Method.Method, host);
            throw;
        }
    }
}
