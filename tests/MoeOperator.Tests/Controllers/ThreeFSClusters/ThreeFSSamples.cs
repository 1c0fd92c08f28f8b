using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Api.Validation;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>The ThreeFSCluster samples, defaulted and validated as the API server stores them, and config inputs for them.</summary>
internal static class ThreeFSSamples
{
    public static readonly string[] Files = ["threefscluster-minimal.yaml", "threefscluster-4x8.yaml"];

    public static JsonObject Resource(string file, Action<JsonObject>? edit = null)
    {
        var cluster = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", file))).Single();
        cluster["metadata"]!["namespace"] = "storage";
        cluster["metadata"]!["uid"] = "uid-3fs";
        edit?.Invoke(cluster);
        var validation = CustomResourceValidator.ForThisApi().Validate(cluster);
        validation.IsValid.ShouldBeTrue(validation.Message);
        return cluster;
    }

    public static ThreeFSClusterSpec Spec(JsonObject cluster) => cluster["spec"].Deserialize<ThreeFSClusterSpec>(ApiJson.Options)!;

    /// <summary>Inputs as the operator derives them: mgmtd on 10.0.0.1.., upstream's node ids for every instance.</summary>
    public static ThreeFSConfigInputs Inputs(ThreeFSClusterSpec spec) =>
        ThreeFSConfigInputs.ForReplicas(spec, [.. Enumerable.Range(1, spec.Mgmtd.Replicas).Select(i => $"10.0.0.{i}")]);
}
