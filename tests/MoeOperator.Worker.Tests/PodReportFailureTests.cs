using System.Net;
using MoeOperator.Worker.Ep;

namespace MoeOperator.Worker.Tests;

public sealed class PodReportFailureTests
{
    private static k8s.Autorest.HttpOperationException Answered(HttpStatusCode code) => new($"Operation returned an invalid status code '{code}'")
    {
        Response = new k8s.Autorest.HttpResponseMessageWrapper(new HttpResponseMessage(code), ""),
    };

    [Fact]
    public void ARefusal_NamesTheServiceAccountAsTheCause_AndOtherFailuresSayTheyRetry()
    {
        PodReportFailure.Describe(Answered(HttpStatusCode.Forbidden), "ml", "ep-0")
            .ShouldBe("refused (403 Forbidden) to patch pod ml/ep-0: the pod's service account may not; the operator's <owner>-worker ServiceAccount and Role grant it (is the pod running as that account?)");
        PodReportFailure.Describe(Answered(HttpStatusCode.InternalServerError), "ml", "ep-0").ShouldBe("the API server answered 500 InternalServerError to the patch of pod ml/ep-0; the next report retries");
        PodReportFailure.Describe(new HttpRequestException("Connection refused"), "ml", "ep-0").ShouldBe("the API server could not be reached (Connection refused); the next report retries");
    }
}
