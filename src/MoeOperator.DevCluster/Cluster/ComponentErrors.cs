using System.Globalization;
using System.Text;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>A component's current trouble with one object (or with its whole pass, object "(pass)").</summary>
public sealed record ComponentError(string Component, string Object, string Message, Exception Exception)
{
    public override string ToString() => $"{Component}: {Object}: {Message}";
}

/// <summary>
/// What goes wrong inside the dev cluster's components, so nothing fails silently: each error is kept against the
/// object it was working on until that object's next pass succeeds, logged once per distinct message, counted per
/// component (<c>moe_dev_component_errors_total</c> on the API server's /metrics), and shown by <c>moe dev up</c>.
/// </summary>
public sealed class ComponentErrors(TextWriter? log = null)
{
    public const string WholePass = "(pass)";

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Component, string Object), ComponentError> _current = [];
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);

    /// <summary>The errors that still stand, oldest component first.</summary>
    public IReadOnlyList<ComponentError> Current
    {
        get
        {
            lock (_gate)
            {
                return [.. _current.Values.OrderBy(e => e.Component, StringComparer.Ordinal).ThenBy(e => e.Object, StringComparer.Ordinal)];
            }
        }
    }

    public void Report(string component, string target, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var error = new ComponentError(component, target, exception.Message, exception);
        bool first;
        lock (_gate)
        {
            _current[(component, target)] = error;
            _counts[component] = _counts.GetValueOrDefault(component) + 1;
            first = _logged.Add($"{component}\n{target}\n{exception.GetType().Name}\n{exception.Message}");
        }

        if (first && log is not null)
        {
            lock (log)
            {
                log.WriteLine($"dev cluster: {error} ({exception.GetType().Name}; logged once, retried every pass)");
            }
        }
    }

    /// <summary>The component got through the object: its error, if any, no longer stands.</summary>
    public void Clear(string component, string target)
    {
        lock (_gate)
        {
            _current.Remove((component, target));
        }
    }

    /// <summary>After a whole pass: the component's errors against objects it no longer works on (deleted, bound elsewhere) no longer stand.</summary>
    public void Retain(string component, IReadOnlySet<string> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        lock (_gate)
        {
            foreach (var key in _current.Keys.Where(k => k.Component == component && k.Object != WholePass && !targets.Contains(k.Object)).ToList())
            {
                _current.Remove(key);
            }
        }
    }

    public long Count(string component)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(component);
        }
    }

    /// <summary>The counters in Prometheus' text format.</summary>
    public string MetricsText()
    {
        var text = new StringBuilder()
            .Append("# HELP moe_dev_component_errors_total Errors of the dev cluster's components (scheduler, kubelet, controllers), by component.\n")
            .Append("# TYPE moe_dev_component_errors_total counter\n");
        lock (_gate)
        {
            foreach (var (component, count) in _counts.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"moe_dev_component_errors_total{{component=\"{component}\"}} {count}\n");
            }
        }

        return text.ToString();
    }
}
