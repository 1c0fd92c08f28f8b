using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// Jobs: keeps up to parallelism pods running until completions pods have succeeded (Indexed jobs: one success per
/// index, with JOB_COMPLETION_INDEX), counts failed pods against backoffLimit, and ends with the Complete or
/// Failed condition (reason BackoffLimitExceeded), deleting what still runs.
/// </summary>
internal sealed class JobController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "jobs.batch", "pods")
{
    private readonly ResourceCache _pods = api.Cache("pods");

    public const string IndexAnnotation = "batch.kubernetes.io/job-completion-index";

    protected override void Pass()
    {
        var (owners, pods) = Workloads.OwnersAndPods(Api, "jobs.batch", _pods);
        foreach (var job in owners)
        {
            if (job["metadata"]?["deletionTimestamp"] is null && !Finished(job))
            {
                Sync(job, Workloads.Owned(pods, job));
            }
        }
    }

    private static bool Finished(JsonObject job) =>
        job["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] is "Complete" or "Failed" && (string?)c?["status"] == "True") == true;

    private void Sync(JsonObject job, List<JsonObject> pods)
    {
        var spec = job["spec"] as JsonObject ?? [];
        var completions = (int?)spec["completions"] ?? 1;
        var parallelism = (int?)spec["parallelism"] ?? 1;
        var backoffLimit = (int?)spec["backoffLimit"] ?? 6;
        var indexed = (string?)spec["completionMode"] == "Indexed";
        var succeeded = pods.Where(p => Workloads.Phase(p) == "Succeeded").ToList();
        var failed = pods.Count(p => Workloads.Phase(p) == "Failed");
        var active = pods.Where(Workloads.IsActive).ToList();
        var doneIndexes = succeeded.Select(Index).Where(i => i >= 0).ToHashSet();
        var succeededCount = indexed ? doneIndexes.Count : succeeded.Count;
        var now = Api.Service.Now();
        var status = job["status"]?.DeepClone().AsObject() ?? [];
        status["startTime"] ??= now;

        string? outcome = null;
        if (succeededCount >= completions)
        {
            outcome = "Complete";
        }
        else if (failed > backoffLimit)
        {
            outcome = "Failed";
        }

        if (outcome is not null)
        {
            foreach (var pod in active)
            {
                Api.DeleteExact("pods", pod);
            }

            active.Clear();
            if (outcome == "Complete")
            {
                status["completionTime"] = now;
                PodConditions.Set(status, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
                PodConditions.Set(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
            }
            else
            {
                PodConditions.Set(status, "FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
                PodConditions.Set(status, "Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
            }
        }
        else
        {
            var wanted = Math.Min(parallelism, completions - succeededCount);
            var running = active.Select(Index).ToHashSet();
            for (var next = 0; active.Count < wanted && next < completions * 2; next++)
            {
                if (indexed && (doneIndexes.Contains(next) || running.Contains(next)))
                {
                    continue;
                }

                var created = Api.Create("pods", NewPod(job, indexed ? next : -1));
                active.Add(created);
                ClusterEvents.Record(Api, job, ClusterEvents.Normal, "SuccessfulCreate", $"Created pod: {ClusterApi.Name(created)}");
                running.Add(next);
            }
        }

        status["active"] = active.Count;
        status["ready"] = active.Count(Workloads.IsReady);
        status["succeeded"] = succeededCount;
        status["failed"] = failed;
        if (indexed)
        {
            status["completedIndexes"] = string.Join(',', doneIndexes.Order().Select(i => i.ToString(CultureInfo.InvariantCulture)));
        }

        status["uncountedTerminatedPods"] = new JsonObject();
        Workloads.WriteStatus(Api, "jobs.batch", job, status);
    }

    private static int Index(JsonObject pod) =>
        int.TryParse((string?)pod["metadata"]?["annotations"]?[IndexAnnotation], CultureInfo.InvariantCulture, out var index) ? index : -1;

    private static JsonObject NewPod(JsonObject job, int index)
    {
        var name = ClusterApi.Name(job);
        var pod = Workloads.PodFromTemplate(job, job["spec"]?["template"] as JsonObject, null, name + "-");
        var labels = pod["metadata"]!["labels"] as JsonObject ?? [];
        labels["batch.kubernetes.io/job-name"] = name;
        labels["job-name"] = name;
        labels["batch.kubernetes.io/controller-uid"] = (string?)job["metadata"]?["uid"];
        labels["controller-uid"] = (string?)job["metadata"]?["uid"];
        pod["metadata"]!["labels"] = labels;
        if (index >= 0)
        {
            var text = index.ToString(CultureInfo.InvariantCulture);
            var annotations = pod["metadata"]!["annotations"] as JsonObject ?? [];
            annotations[IndexAnnotation] = text;
            pod["metadata"]!["annotations"] = annotations;
            labels[IndexAnnotation] = text;
            pod["metadata"]!["generateName"] = $"{name}-{text}-";
            pod["spec"]!["hostname"] ??= $"{name}-{text}";
            foreach (var container in pod["spec"]?["containers"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                var env = container["env"] as JsonArray ?? [];
                env.Add(new JsonObject
                {
                    ["name"] = "JOB_COMPLETION_INDEX",
                    ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = $"metadata.annotations['{IndexAnnotation}']" } },
                });
                container["env"] = env;
            }
        }

        return pod;
    }
}
