using Prometheus;

namespace MoeOperator.Controllers;

/// <summary>
/// Drops a custom resource's series once the resource is gone: a deleted group's last "pending" ranks or a deleted
/// job's "Running" phase would otherwise be exported for the operator's whole life, and keep an alert firing for
/// something that no longer exists. Every collector of the controllers' metrics labels namespace and name first.
/// </summary>
internal static class ObjectSeries
{
    public static void Remove<TChild>(Collector<TChild> collector, string ns, string name)
        where TChild : ChildBase
    {
        ArgumentNullException.ThrowIfNull(collector);
        foreach (var labels in collector.GetAllLabelValues().Where(l => l.Length >= 2 && l[0] == ns && l[1] == name).ToList())
        {
            collector.RemoveLabelled(labels);
        }
    }
}
