using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// What a container writes to its log from a given point on, as it writes it, until the container stops (a restart
/// starts a new log, which a new request follows, as with a real kubelet), the pod goes, or the client does: what
/// <c>kubectl logs -f</c> and <c>kubectl attach</c> show.
/// </summary>
internal sealed class LogFollower(ResourceService service, Func<IPodLogSource?> logs, TimeProvider clock)
{
    private static readonly TimeSpan _poll = TimeSpan.FromMilliseconds(200);

    /// <summary>The log of a container now (null while it has none) and whether the container runs.</summary>
    public (string? Log, bool Running) Now(string ns, string pod, string container)
    {
        var running = service.Get(Pods, ns, pod)["status"]?["containerStatuses"]?.AsArray().Any(c => (string?)c?["name"] == container && c?["state"]?["running"] is not null) == true;

        // Read after looking at the state, so the lines written before the container ended are sent.
        return (logs()?.ReadLog(ns, pod, container, previous: false), running);
    }

    /// <summary>Hands <paramref name="write"/> every piece of the log past <paramref name="sent"/> characters until the container stops.</summary>
    public async Task FollowAsync(string ns, string pod, string container, int sent, Func<string, Task> write, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            string? log;
            bool running;
            try
            {
                (log, running) = Now(ns, pod, container);
            }
            catch (ApiException)
            {
                return;
            }

            if (log is null || log.Length < sent)
            {
                return;
            }

            if (log.Length > sent)
            {
                await write(log[sent..]);
                sent = log.Length;
            }

            if (!running)
            {
                return;
            }

            await Task.Delay(_poll, clock, token);
        }
    }

    private ResourceType Pods => service.Catalog.Find("", "v1", "pods")!;
}
