using k8s;
using k8s.Models;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Tests.Tools;

/// <summary>
/// HorizontalPodAutoscalers are stored and served as autoscaling/v2 and read and written through autoscaling/v1 too,
/// with Kubernetes' conversion: KubernetesClient's typed v2 and v1 clients, and kubectl autoscale and get hpa.
/// </summary>
public sealed class HorizontalPodAutoscalerTests(KubectlHarness k) : IClassFixture<KubectlHarness>
{
    private const string Ns = "hpa";

    private Kubernetes Client => k.Dev.Client;

    private async Task NamespaceAsync()
    {
        if (await Client.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={Ns}") is { Items.Count: 0 })
        {
            await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
        }
    }

    private static V2HorizontalPodAutoscaler Hpa(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
            MinReplicas = 2,
            MaxReplicas = 8,
            Metrics =
            [
                new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 60 } } },
                new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "memory", Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("1Gi") } } },
            ],
            Behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = new V2HPAScalingRules { StabilizationWindowSeconds = 120 } },
        },
    };

    [Fact]
    public async Task V2_CreateReadUpdateDelete_WithTheTypedClient()
    {
        await NamespaceAsync();

        var created = await Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(Hpa("crud"), Ns);
        created.Spec.Metrics.Count.ShouldBe(2);
        created.Metadata.Uid.ShouldNotBeNullOrEmpty();

        created.Spec.MaxReplicas = 12;
        var updated = await Client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(created, "crud", Ns);
        updated.Spec.MaxReplicas.ShouldBe(12);
        updated.Status = new V2HorizontalPodAutoscalerStatus { CurrentReplicas = 3, DesiredReplicas = 4 };
        var withStatus = await Client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerStatusAsync(updated, "crud", Ns);
        withStatus.Status.DesiredReplicas.ShouldBe(4);

        var read = await Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("crud", Ns);
        read.Spec.Behavior.ScaleDown.StabilizationWindowSeconds.ShouldBe(120);
        read.Spec.Metrics[1].Resource.Target.AverageValue.ToString().ShouldBe("1Gi");
        (await Client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(Ns)).Items.ShouldContain(h => h.Metadata.Name == "crud");

        await Client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync("crud", Ns);
        (await Client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(Ns)).Items.ShouldNotContain(h => h.Metadata.Name == "crud");
    }

    [Fact]
    public async Task V1_ReadsTheCpuTarget_AndCarriesTheRestInAnnotations_ThatWritingBackKeeps()
    {
        await NamespaceAsync();
        await Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(Hpa("both"), Ns);

        var v1 = await Client.AutoscalingV1.ReadNamespacedHorizontalPodAutoscalerAsync("both", Ns);
        v1.Spec.TargetCPUUtilizationPercentage.ShouldBe(60);
        v1.Spec.MinReplicas.ShouldBe(2);
        v1.Metadata.Annotations.ShouldContainKey(HorizontalPodAutoscalerV1View.MetricsAnnotation);
        v1.Metadata.Annotations[HorizontalPodAutoscalerV1View.MetricsAnnotation].ShouldContain("memory");

        v1.Spec.TargetCPUUtilizationPercentage = 75;
        await Client.AutoscalingV1.ReplaceNamespacedHorizontalPodAutoscalerAsync(v1, "both", Ns);

        var v2 = await Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("both", Ns);
        v2.Spec.Metrics.Select(m => m.Resource.Name).ShouldBe(["cpu", "memory"]);
        v2.Spec.Metrics[0].Resource.Target.AverageUtilization.ShouldBe(75);
        v2.Spec.Behavior.ScaleDown.StabilizationWindowSeconds.ShouldBe(120, "behavior survives a write through v1");
        (v2.Metadata.Annotations ?? new Dictionary<string, string>()).ShouldNotContainKey(HorizontalPodAutoscalerV1View.MetricsAnnotation, "the annotations are v1's way of carrying v2 fields, not stored");
    }

    [Fact]
    public async Task KubectlApply_OfAV2Hpa_ThenGetHpa_PrintsItsReferenceAndTargets()
    {
        await NamespaceAsync();
        File.WriteAllText(k.Scratch("hpa.yaml"), """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: api
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
              minReplicas: 1
              maxReplicas: 5
              metrics:
              - type: Resource
                resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
            """);

        k.KubectlOk("apply", "-n", Ns, "-f", k.Scratch("hpa.yaml")).ShouldContain("horizontalpodautoscaler.autoscaling/api created");

        var table = k.KubectlOk("get", "hpa", "-n", Ns, "api");
        table.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
        table.ShouldContain("Deployment/api");
        table.ShouldContain("cpu: <unknown>/50%");
        var v1 = await Client.AutoscalingV1.ReadNamespacedHorizontalPodAutoscalerAsync("api", Ns);
        v1.Spec.TargetCPUUtilizationPercentage.ShouldBe(50);
        v1.Spec.MaxReplicas.ShouldBe(5);
    }
}
