using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;

namespace MoeOperator.Testing;

/// <summary>
/// Resources the API must refuse, each with the field its error must name and words the error must hold: every
/// cross-field rule, wrong types, values out of range, unknown fields, names the server refuses (too long, not
/// lower-case ASCII), a 1 MiB string and a deeply nested value. Shared by the offline validator's tests and by the
/// test that sends each one to the dev cluster's API server and through `moe validate`.
/// </summary>
public static class InvalidResourceCorpus
{
    public sealed record BadResource(string Sample, string Change, string Field, string Says, params (string Path, string? Json)[] Edits)
    {
        public override string ToString() => $"{Sample}: {Change}";

        /// <summary>The sample with the edits made (a path's last part set to the JSON, or removed when it is null).</summary>
        public JsonObject Build()
        {
            var obj = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", Sample))).Single();
            foreach (var (path, json) in Edits)
            {
                Set(obj, path, json);
            }

            return obj;
        }
    }

    private static readonly string _longName = string.Concat(Enumerable.Repeat("a", 254));

    private static readonly string _megabyte = string.Concat(Enumerable.Repeat("x", 1 << 20));

    // {"a":{"a":...}} nested 200 deep, past System.Text.Json's default depth of 64 and the server's own limit.
    private static readonly string _deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);

    public static IReadOnlyList<BadResource> All { get; } =
    [
        new("epgroup-minimal.yaml", "ranks not a multiple of ranksPerNode", "spec.ranks", "multiple of ranksPerNode", ("spec.ranks", "3")),
        new("epgroup-minimal.yaml", "expert slots not a multiple of ranks", "spec.model.physicalExpertSlots", "multiple of ranks", ("spec.ranks", "6")),
        new("epgroup-minimal.yaml", "zero ranks", "spec.ranks", "greater than or equal to 1", ("spec.ranks", "0")),
        new("epgroup-minimal.yaml", "no image", "spec.image", "Required value", ("spec.image", null)),
        new("epgroup-minimal.yaml", "backend misspelt", "spec.transport.backend", "supported values: \"Auto\", \"NVSHMEM\", \"NCCL\", \"TCP\"", ("spec.transport.backend", "\"Tcp\"")),
        new("epgroup-minimal.yaml", "odd communication SMs", "spec.transport.communicationSMs", "must be even", ("spec.transport.communicationSMs", "21")),
        new("epgroup-minimal.yaml", "hidden size not a multiple of 128", "spec.model.hiddenSize", "multiple of 128", ("spec.model.hiddenSize", "200")),
        new("epgroup-minimal.yaml", "expert groups not dividing experts", "spec.model.expertGroups", "expertGroups must divide experts", ("spec.model.expertGroups", "3")),
        new("epgroup-minimal.yaml", "more top-k groups than groups", "spec.model.topkGroups", "must not exceed expertGroups", ("spec.model.topkGroups", "5")),
        new("epgroup-minimal.yaml", "top-k beyond the chosen groups", "spec.model.topk", "topkGroups x experts / expertGroups", ("spec.model.topk", "9")),
        new("epgroup-minimal.yaml", "fewer slots than experts", "spec.model.physicalExpertSlots", "at least experts", ("spec.model.physicalExpertSlots", "8")),
        new("epgroup-minimal.yaml", "duration in words", "spec.scheduling.gangTimeout", "should match", ("spec.scheduling.gangTimeout", "\"5 minutes\"")),
        new("epgroup-minimal.yaml", "imbalance threshold below 1", "spec.eplb.minImbalance", "greater than or equal to 1", ("spec.eplb.minImbalance", "0.5")),
        new("epgroup-minimal.yaml", "hierarchical EPLB with groups not divisible by nodes", "spec.eplb.policy", "multiple of the node count",
            ("spec.ranksPerNode", "1"), ("spec.model.expertGroups", "2"), ("spec.model.topkGroups", "1"), ("spec.model.topk", "2"), ("spec.eplb", "{\"policy\":\"Hierarchical\"}")),
        new("epgroup-minimal.yaml", "misspelt field", "spec.rank", "unknown field \"spec.rank\"", ("spec.rank", "4")),
        new("epgroup-minimal.yaml", "quantity that is no quantity", "spec.resources.requests.cpu", "should match", ("spec.resources", "{\"requests\":{\"cpu\":\"four\"}}")),
        new("epgroup-minimal.yaml", "ranks as text", "spec.ranks", "must be of type integer", ("spec.ranks", "\"four\"")),

        new("threefscluster-minimal.yaml", "cluster id of 32 characters", "spec.clusterId", "may not be more than 31 bytes", ("spec.clusterId", "\"abcdefghijklmnopqrstuvwxyz012345\"")),
        new("threefscluster-minimal.yaml", "replication factor 4", "spec.storage.replicationFactor", "less than or equal to 3", ("spec.storage.replicationFactor", "4")),
        new("threefscluster-minimal.yaml", "replication 3 on 2 nodes", "spec.storage.replicationFactor", "must not exceed replicas", ("spec.storage.replicas", "2")),
        new("threefscluster-minimal.yaml", "stripe wider than the chain count", "spec.storage.stripeSize", "number of chains", ("spec.storage.stripeSize", "32")),
        new("threefscluster-minimal.yaml", "targets not divisible into chains", "spec.storage.targetsPerDisk", "multiple of replicationFactor", ("spec.storage.replicas", "4")),
        new("threefscluster-minimal.yaml", "more targets per disk than a target id numbers", "spec.storage.targetsPerDisk", "less than or equal to 99", ("spec.storage.targetsPerDisk", "100")),
        new("threefscluster-minimal.yaml", "storage port colliding with mgmtd", "spec.network.ports", "must differ", ("spec.network", "{\"ports\":{\"storageRdma\":8000}}")),
        new("threefscluster-minimal.yaml", "a disk listed twice", "spec.storage.diskPaths", "twice", ("spec.storage.diskPaths", "[\"/data/a\",\"/data/a\"]")),
        new("threefscluster-minimal.yaml", "relative disk path", "spec.storage.diskPaths[0]", "should match", ("spec.storage.diskPaths", "[\"data/a\"]")),
        new("threefscluster-minimal.yaml", "no disks", "spec.storage.diskPaths", "at least 1 items", ("spec.storage.diskPaths", "[]")),
        new("threefscluster-minimal.yaml", "both FoundationDB kinds", "spec.foundationDB", "exactly one of external", ("spec.foundationDB.external", "{\"clusterFileSecret\":{\"name\":\"fdb\"}}")),
        new("threefscluster-minimal.yaml", "no FoundationDB", "spec.foundationDB", "exactly one of external", ("spec.foundationDB", null)),
        new("threefscluster-minimal.yaml", "unknown deletion policy", "spec.deletionPolicy", "supported values: \"Retain\", \"Delete\"", ("spec.deletionPolicy", "\"Destroy\"")),
        new("threefscluster-minimal.yaml", "no storage", "spec.storage", "Required value", ("spec.storage", null)),

        new("trainingjob-minimal.yaml", "odd pipeline under DualPipe", "spec.parallelism.pipeline", "even pipeline size", ("spec.parallelism.pipeline", "3")),
        new("trainingjob-minimal.yaml", "expert not dividing data", "spec.parallelism.expert", "must divide data", ("spec.parallelism.expert", "3")),
        new("trainingjob-minimal.yaml", "too few micro-batches", "spec.parallelism.microBatches", "at least 2 x pipeline", ("spec.parallelism.microBatches", "3")),
        new("trainingjob-minimal.yaml", "odd micro-batches under DualPipe", "spec.parallelism.microBatches", "even microBatches", ("spec.parallelism.microBatches", "5"), ("spec.training.globalBatchSize", "10")),
        new("trainingjob-minimal.yaml", "too few micro-batches under DualPipeV", "spec.parallelism.microBatches", "DualPipeV needs microBatches of at least 2 x pipeline", ("spec.parallelism.schedule", "\"DualPipeV\""), ("spec.parallelism.microBatches", "3"), ("spec.model.layers", "4")),
        new("trainingjob-minimal.yaml", "batch not whole micro-batches per data rank", "spec.training.globalBatchSize", "x parallelism.microBatches", ("spec.training.globalBatchSize", "12")),
        new("trainingjob-minimal.yaml", "unknown schedule", "spec.parallelism.schedule", "supported values", ("spec.parallelism.schedule", "\"GPipe\"")),
        new("trainingjob-minimal.yaml", "ranks not filling whole nodes", "spec.ranksPerNode", "ranksPerNode must divide the number of ranks", ("spec.ranksPerNode", "3")),
        new("trainingjob-minimal.yaml", "more dense layers than layers", "spec.model.denseLayers", "denseLayers must not exceed layers", ("spec.model.denseLayers", "5")),
        new("trainingjob-minimal.yaml", "odd RoPE dimension", "spec.model.qkRopeHeadDim", "qkRopeHeadDim must be even", ("spec.model.qkRopeHeadDim", "7")),
        new("trainingjob-minimal.yaml", "batch not divisible by data ranks", "spec.training.globalBatchSize", "multiple of parallelism.data", ("spec.training.globalBatchSize", "7")),
        new("trainingjob-minimal.yaml", "two data sources", "spec.data", "exactly one data source", ("spec.data.hostPath", "{\"path\":\"/data\"}")),
        new("trainingjob-minimal.yaml", "no data source", "spec.data", "exactly one data source", ("spec.data", "{}")),
        new("trainingjob-minimal.yaml", "heads not dividing hidden size", "spec.model.heads", "must divide hiddenSize", ("spec.model.heads", "3")),
        new("trainingjob-minimal.yaml", "fewer layers than stages", "spec.model.layers", "number of pipeline stages", ("spec.model.layers", "1")),
        new("trainingjob-minimal.yaml", "no steps", "spec.training.steps", "Required value", ("spec.training.steps", null)),
        new("trainingjob-minimal.yaml", "learning rate as text", "spec.training.learningRate", "must be of type number", ("spec.training.learningRate", "\"fast\"")),
        new("trainingjob-minimal.yaml", "checkpoint without a location", "spec.checkpoint", "exactly one checkpoint location", ("spec.checkpoint.persistentVolumeClaim", null)),
        new("trainingjob-minimal.yaml", "top-k above the experts", "spec.model.moe.topk", "topkGroups x experts / groups", ("spec.model.moe.topk", "5")),
        new("trainingjob-minimal.yaml", "expert groups not dividing experts", "spec.model.moe.groups", "groups must divide experts", ("spec.model.moe.groups", "3")),
        new("trainingjob-minimal.yaml", "more top-k groups than groups", "spec.model.moe.topkGroups", "topkGroups must not exceed groups", ("spec.model.moe.topkGroups", "2")),
        new("trainingjob-minimal.yaml", "expert parallelism not dividing experts", "spec.parallelism.expert", "divide model.moe.experts",
            ("spec.parallelism.data", "4"), ("spec.parallelism.expert", "4"), ("spec.model.moe.experts", "6"), ("spec.model.moe.topk", "2")),
        new("trainingjob-minimal.yaml", "FP8 experts off the 128 block", "spec.model.moe.expertPrecision", "multiples of 128", ("spec.model.moe.expertPrecision", "\"FP8\""), ("spec.model.moe.intermediateSize", "192")),
        new("trainingjob-minimal.yaml", "unknown expert precision", "spec.model.moe.expertPrecision", "supported values", ("spec.model.moe.expertPrecision", "\"FP16\"")),
        new("trainingjob-minimal.yaml", "a deadline of zero", "spec.activeDeadlineSeconds", "greater than or equal to 1", ("spec.activeDeadlineSeconds", "0")),
        new("trainingjob-minimal.yaml", "no name", "metadata.name", "Required value", ("metadata.name", null)),

        new("epgroup-minimal.yaml", "a name of 254 characters", "metadata.name", "must be no more than 253 characters", ("metadata.name", $"\"{_longName}\"")),
        new("epgroup-minimal.yaml", "a name in another script", "metadata.name", "a lowercase RFC 1123 subdomain", ("metadata.name", "\"gruppe-ü\"")),
        new("epgroup-minimal.yaml", "a name in capitals", "metadata.name", "a lowercase RFC 1123 subdomain", ("metadata.name", "\"EP-Group\"")),
        new("epgroup-minimal.yaml", "an image of 1 MiB", "spec.image", "may not be more than 512 bytes", ("spec.image", $"\"{_megabyte}\"")),
        new("epgroup-minimal.yaml", "an unknown field holding a deeply nested object", "spec.extra", "unknown field \"spec.extra\"", ("spec.extra", _deep)),
        new("threefscluster-minimal.yaml", "replicas as a list", "spec.storage.replicas", "must be of type integer", ("spec.storage.replicas", "[3]")),
        new("threefscluster-minimal.yaml", "a negative port", "spec.network.ports.mgmtdTcp", "greater than or equal to 1", ("spec.network", "{\"ports\":{\"mgmtdTcp\":-1}}")),
        new("trainingjob-minimal.yaml", "steps beyond a 64-bit integer", "spec.training.steps", "must be of type integer: \"number\"", ("spec.training.steps", "1e30")),
        new("trainingjob-minimal.yaml", "steps beyond a 64-bit integer, range", "spec.training.steps", "less than or equal to 100000000", ("spec.training.steps", "1e30")),
        new("trainingjob-minimal.yaml", "steps with a fraction", "spec.training.steps", "must be of type integer", ("spec.training.steps", "2.5")),
        new("trainingjob-minimal.yaml", "a spec that is a string", "spec", "must be of type object", ("spec", "\"train\"")),
    ];

    /// <summary>Sets a dotted path's last part to the JSON (parents made as needed), or removes it when null.</summary>
    public static void Set(JsonObject root, string path, string? json)
    {
        var parts = path.Split('.');
        var parent = root;
        foreach (var part in parts[..^1])
        {
            parent = (parent[part] ??= new JsonObject()).AsObject();
        }

        if (json is null)
        {
            parent.Remove(parts[^1]);
        }
        else
        {
            parent[parts[^1]] = JsonNode.Parse(json, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 1000 });
        }
    }
}
