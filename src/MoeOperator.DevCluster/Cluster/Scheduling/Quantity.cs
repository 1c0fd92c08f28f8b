using k8s.Models;

namespace MoeOperator.DevCluster.Cluster.Scheduling;

/// <summary>Kubernetes resource quantities ("500m", "2", "64Gi", "1e3") as numbers.</summary>
internal static class Quantity
{
    public static decimal Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return 0;
        }

        try
        {
            return new ResourceQuantity(text).ToDecimal();
        }
        catch (FormatException)
        {
            return 0;
        }
    }
}
