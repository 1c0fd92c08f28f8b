using System.Text.Json;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Api.Tests.Serialization;

public sealed class KubernetesTimeTests
{
    [Fact]
    public void Times_AreWrittenAsKubernetesWritesThem_AndReadBackToTheSameText()
    {
        var record = new FailureRecord { Time = new DateTimeOffset(2026, 12, 2, 21, 30, 37, 512, TimeSpan.FromHours(2)) };

        var json = JsonSerializer.Serialize(record, ApiJson.Options);

        json.ShouldBe("""{"time":"2026-12-02T19:30:37Z"}""", "RFC 3339 in UTC to the second, as metav1.Time");
        JsonSerializer.Serialize(JsonSerializer.Deserialize<FailureRecord>(json, ApiJson.Options), ApiJson.Options).ShouldBe(json);
        JsonSerializer.Deserialize<FailureRecord>("""{"time":"2026-12-02T21:30:37+02:00"}""", ApiJson.Options)!.Time!.Value.UtcDateTime.ShouldBe(new DateTime(2026, 12, 2, 19, 30, 37, DateTimeKind.Utc));
    }
}
