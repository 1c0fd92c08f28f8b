using System.Text.Json.Nodes;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Api.Validation;

namespace MoeOperator.Api.Tests.V1Alpha1;

/// <summary>
/// Every spec field of every kind has a decision for what changing it does (applied in place, replacing the
/// workload, rolling, scaling, or refused), a new field without one fails here, and the decisions reach the CRD:
/// immutable fields carry the transition rule the API server enforces, and the revision a controller compares
/// changes exactly when a field that is not applied in place does.
/// </summary>
public sealed class SpecChangesTests
{
    public static TheoryData<string> KindNames => [.. Kinds.All.Select(k => k.Kind)];

    [Theory]
    [MemberData(nameof(KindNames))]
    public void EverySpecField_HasADecisionForWhatAChangeDoes(string kindName)
    {
        var kind = Kinds.All.Single(k => k.Kind == kindName);
        var specType = kind.SpecType;

        var undecided = SpecChanges.Fields(kind).Where(leaf => SpecChanges.DecisionFor(specType, leaf) is null).ToList();

        undecided.ShouldBeEmpty($"spec fields of {kindName} without an [OnChange] decision (on the field or a parent): {string.Join(", ", undecided)}");
    }

    [Fact]
    public void ImmutableFields_CarryTheTransitionRule_WithAMessageNamingTheFieldAndWhatToDo()
    {
        var storage = CrdGenerator.Build(Kinds.ThreeFSCluster).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["storage"];

        var rule = storage.Properties["replicationFactor"].XKubernetesValidations.ShouldHaveSingleItem();

        rule.Rule.ShouldBe("self == oldSelf");
        rule.Message.ShouldStartWith("replicationFactor is immutable: every chain has this many replicas; create a new ThreeFSCluster");
        storage.Properties["replicas"].XKubernetesValidations.ShouldBeNull("replicas scales; it is not refused");
        storage.Properties["replicationFactor"].Description.ShouldContain("Immutable:");
    }

    [Fact]
    public void TheRevision_ChangesWithAReplacingField_AndNotWithAnInPlaceOne()
    {
        static EPGroupSpec Spec() => new() { Ranks = 4, RanksPerNode = 2, Image = "example.com/worker:1" };
        var revision = SpecChanges.Revision(Spec());

        SpecChanges.Revision(Spec()).ShouldBe(revision, "the same spec, the same revision");
        SpecChanges.Revision(Spec() with { Image = "example.com/worker:2" }).ShouldNotBe(revision);
        SpecChanges.Revision(Spec() with { Model = new EPModelSpec { Experts = 32 } }).ShouldNotBe(revision);
        SpecChanges.Revision(Spec() with { Scheduling = new SchedulingSpec { SchedulerName = "volcano" } }).ShouldNotBe(revision);
        SpecChanges.Revision(Spec() with { Eplb = new EplbSpec { Interval = "5m" } }).ShouldBe(revision, "eplb applies in place");
        SpecChanges.Revision(Spec() with { FailurePolicy = new FailurePolicySpec { MaxRestarts = 9 } }).ShouldBe(revision, "failurePolicy applies in place");
        SpecChanges.Revision(Spec() with { Scheduling = new SchedulingSpec { GangTimeout = "1m" } }).ShouldBe(revision, "gangTimeout applies in place, though scheduling as a whole replaces");
    }

    [Fact]
    public void ATransitionRule_HoldsOnlyOnUpdates_AndNamesTheFieldItRefuses()
    {
        var schema = CrdGenerator.Build(Kinds.ThreeFSCluster).Spec.Versions[0].Schema.OpenAPIV3Schema;
        var created = JsonNode.Parse("""{"spec":{"clusterId":"a","storage":{"replicationFactor":3,"replicas":3}}}""");
        var changed = JsonNode.Parse("""{"spec":{"clusterId":"b","storage":{"replicationFactor":2,"replicas":4}}}""");

        var onCreate = new List<FieldError>();
        CelRuleValidator.Validate(changed, schema, "", onCreate);
        var onUpdate = new List<FieldError>();
        CelRuleValidator.Validate(changed, schema, "", onUpdate, created);

        onCreate.Where(e => e.Detail.Contains("immutable", StringComparison.Ordinal)).ShouldBeEmpty("there is nothing to compare with on a create");
        onUpdate.Where(e => e.Detail.Contains("immutable", StringComparison.Ordinal)).Select(e => e.Path).Order(StringComparer.Ordinal)
            .ShouldBe(["spec.clusterId", "spec.storage.replicationFactor"]);
    }

    [Fact]
    public void TheFoundationDBVersion_MayChangeUntilInitClusterHasRun_AndIsRefusedAfter()
    {
        var schema = CrdGenerator.Build(Kinds.ThreeFSCluster).Spec.Versions[0].Schema.OpenAPIV3Schema;
        static JsonNode Cluster(string version, string steps) =>
            new JsonObject
            {
                ["spec"] = new JsonObject { ["foundationDB"] = new JsonObject { ["version"] = version } },
                ["status"] = new JsonObject { ["completedBootstrapSteps"] = JsonNode.Parse($"[{steps}]") },
            };
        List<string> Refusals(JsonNode updated, JsonNode stored)
        {
            var errors = new List<FieldError>();
            CelRuleValidator.Validate(updated, schema, "", errors, stored);
            return [.. errors.Where(e => e.Detail.Contains("immutable", StringComparison.Ordinal)).Select(e => e.ToString())];
        }

        Refusals(Cluster("7.1.61", "\"check-fdb-version\""), Cluster("7.3.63", "\"check-fdb-version\"")).ShouldBeEmpty("a mismatch found by the check is fixed by changing the version");
        Refusals(Cluster("7.1.61", "\"check-fdb-version\", \"init-cluster\""), Cluster("7.3.63", "\"check-fdb-version\", \"init-cluster\""))
            .ShouldHaveSingleItem().ShouldStartWith("spec.foundationDB.version: Invalid value: \"object\": version is immutable once init-cluster has run");
    }
}
