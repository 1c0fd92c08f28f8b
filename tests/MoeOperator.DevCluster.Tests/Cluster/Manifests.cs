using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>Objects the cluster tests create.</summary>
internal static class Manifests
{
    /// <summary>A container of the peer program, with POD_IP and POD_NAMESPACE from the downward API.</summary>
    public static JsonObject PeerContainer(string name = "peer") => new()
    {
        ["name"] = name,
        ["image"] = "test/peer:1.0",
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }),
        ["env"] = new JsonArray(
            new JsonObject { ["name"] = "POD_IP", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "status.podIP" } } },
            new JsonObject { ["name"] = "POD_NAMESPACE", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.namespace" } } }),
        ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/", ["port"] = "http" }, ["periodSeconds"] = 1 },
    };

    public static JsonObject HeadlessService(string name, string app) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["clusterIP"] = "None",
            ["publishNotReadyAddresses"] = true,
            ["selector"] = new JsonObject { ["app"] = app },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 8080, ["targetPort"] = "http" }),
        },
    };

    public static JsonObject StatefulSet(string name, int replicas, JsonObject container, JsonArray? claims = null) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "StatefulSet",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["serviceName"] = name,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(container), ["terminationGracePeriodSeconds"] = 5 },
            },
            ["volumeClaimTemplates"] = claims ?? new JsonArray(),
        },
    };

    /// <summary>A pod running python3 with the given script.</summary>
    /// <summary>A pod of one simulated container (an image that is no local program), with the labels and annotations given.</summary>
    public static JsonObject SimulatedPod(string name, JsonObject? labels = null, JsonObject? annotations = null, string image = "example.com/daemon:1")
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            metadata["labels"] = labels;
        }

        if (annotations is not null)
        {
            metadata["annotations"] = annotations;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = image }) },
        };
    }

    public static JsonObject PythonPod(string name, string script, string restartPolicy = "Never") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["restartPolicy"] = restartPolicy,
            ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "test/python", ["args"] = new JsonArray("-c", script) }),
        },
    };
}
