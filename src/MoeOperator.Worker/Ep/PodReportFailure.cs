using System.Net;

namespace MoeOperator.Worker.Ep;

/// <summary>
/// What the log says when a rank's report on its own pod fails: the API server's status, and for a refusal the
/// cause (the pod's service account lacks the operator's worker Role), which retrying does not mend.
/// </summary>
public static class PodReportFailure
{
    public static string Describe(Exception error, string ns, string pod)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error is k8s.Autorest.HttpOperationException { Response.StatusCode: var code }
            ? code switch
            {
                HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized =>
                    $"refused ({(int)code} {code}) to patch pod {ns}/{pod}: the pod's service account may not; the operator's <owner>-worker ServiceAccount and Role grant it (is the pod running as that account?)",
                _ => $"the API server answered {(int)code} {code} to the patch of pod {ns}/{pod}; the next report retries",
            }
            : $"the API server could not be reached ({error.Message}); the next report retries";
    }
}
