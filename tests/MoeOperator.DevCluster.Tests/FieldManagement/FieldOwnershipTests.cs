using System.Text.Json.Nodes;
using k8s.Models;
using MoeOperator.DevCluster.FieldManagement;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Tests.FieldManagement;

/// <summary>Field sets, comparisons, merges and ownership of server-side apply, without a server.</summary>
public sealed class FieldOwnershipTests
{
    private static readonly FieldShape _builtin = FieldShape.For(null);
    private static readonly FieldWriter _writer = new("me", "v1", null);

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static FieldSet Set(string fieldsV1) => FieldSet.FromFieldsV1(Json(fieldsV1));

    private static ManagedFieldsEntry Manager(string name, string operation, string fieldsV1) => new(name, operation, "v1", "2026-01-01T00:00:00Z", null, Set(fieldsV1));

    [Fact]
    public void FieldsV1_RoundTrips_WithTheDotForAMemberThatHasMembersBelow()
    {
        const string text = """{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}""";

        var set = Set(text);

        JsonNode.DeepEquals(set.ToFieldsV1(), Json(text)).ShouldBeTrue(set.ToFieldsV1().ToJsonString());
        set.Paths().Select(PathElements.Describe).ShouldBe([".metadata.labels", ".metadata.labels.app", ".spec.containers[name=\"c\"]", ".spec.containers[name=\"c\"].image"]);
    }

    [Fact]
    public void SetAlgebra_WorksOnMembers_NotOnTheWayToThem()
    {
        var a = Set("""{"f:data":{".":{},"f:a":{},"f:b":{}}}""");
        var b = Set("""{"f:data":{"f:b":{},"f:c":{}}}""");

        a.Intersection(b).ToFieldsV1().ToJsonString().ShouldBe("""{"f:data":{"f:b":{}}}""");
        a.Difference(b).ToFieldsV1().ToJsonString().ShouldBe("""{"f:data":{".":{},"f:a":{}}}""");
        a.Union(b).Paths().Count().ShouldBe(4);
        a.Difference(a).IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public void FieldsOfAConfiguration_KeyListItemsAndLeaveAtomicValuesWhole()
    {
        var pod = Json("""
            {"metadata":{"finalizers":["x"]},"spec":{"nodeSelector":{"zone":"a"},"containers":[{"name":"c","args":["1","2"],"ports":[{"containerPort":80}]}]}}
            """);

        var paths = ObjectFields.Of(pod, _builtin).Paths().Select(PathElements.Describe).ToList();

        paths.ShouldBe([
            ".metadata.finalizers[=\"x\"]",
            ".spec.containers[name=\"c\"]",
            ".spec.containers[name=\"c\"].args",
            ".spec.containers[name=\"c\"].name",
            ".spec.containers[name=\"c\"].ports[containerPort=80,protocol=\"TCP\"]",
            ".spec.containers[name=\"c\"].ports[containerPort=80,protocol=\"TCP\"].containerPort",
            ".spec.nodeSelector",
        ]);
    }

    [Fact]
    public void Compare_ReportsAddedModifiedAndRemovedFields()
    {
        var old = Json("""{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"1"}]}}""");
        var updated = Json("""{"spec":{"containers":[{"name":"a","image":"2","env":[{"name":"E","value":"v"}]}]}}""");

        var change = ObjectFields.Compare(old, updated, _builtin);

        change.Modified.Paths().Select(PathElements.Describe).ShouldBe([".spec.containers[name=\"a\"].image"]);
        change.Added.Paths().Select(PathElements.Describe).ShouldContain(".spec.containers[name=\"a\"].env[name=\"E\"].value");
        change.Removed.Paths().Select(PathElements.Describe).ShouldBe([".spec.containers[name=\"b\"]", ".spec.containers[name=\"b\"].image", ".spec.containers[name=\"b\"].name"]);
    }

    [Fact]
    public void Merge_MergesMapListsByKey_AndReplacesAtomicLists()
    {
        var live = Json("""{"spec":{"containers":[{"name":"a","image":"1","args":["x"]},{"name":"b","image":"1"}]}}""");
        var config = Json("""{"spec":{"containers":[{"name":"b","image":"2","args":["y"]}]}}""");

        var merged = ApplyMerge.Merge(live, config, _builtin);

        merged.ToJsonString().ShouldBe("""{"spec":{"containers":[{"name":"a","image":"1","args":["x"]},{"name":"b","image":"2","args":["y"]}]}}""");
    }

    [Fact]
    public void Prune_RemovesOnlyWhatNobodyKeeps_AndTheObjectsItEmptied()
    {
        var obj = Json("""{"metadata":{"labels":{"a":"1","b":"2"}},"data":{"x":"1"}}""");

        ApplyMerge.Prune(obj, Set("""{"f:metadata":{"f:labels":{"f:a":{},"f:b":{}}},"f:data":{"f:x":{}}}"""), Set("""{"f:metadata":{"f:labels":{"f:b":{}}}}"""), _builtin);

        obj.ToJsonString().ShouldBe("""{"metadata":{"labels":{"b":"2"}}}""");
    }

    [Fact]
    public void AnApplyChangingAnotherManagersFields_ConflictsNamingEveryManagerAndField()
    {
        var old = Json("""{"data":{"a":"1","b":"1","c":"1"}}""");
        var updated = Json("""{"data":{"a":"2","b":"2","c":"2"}}""");
        IReadOnlyList<ManagedFieldsEntry> managers = [Manager("alpha", "Apply", """{"f:data":{"f:a":{}}}"""), Manager("beta", "Update", """{"f:data":{"f:b":{},"f:c":{}}}""")];

        var error = Should.Throw<ApiException>(() => FieldOwnership.AfterApply(managers, old, updated, _builtin, _writer, new ApplyIntent(Set("""{"f:data":{"f:a":{},"f:b":{},"f:c":{}}}"""), Force: false), "now"));

        error.Code.ShouldBe(409);
        error.Message.ShouldBe("Apply failed with 3 conflicts: conflicts with \"alpha\":\n- .data.a\nconflicts with \"beta\" using v1:\n- .data.b\n- .data.c");
        error.Details!["causes"]!.AsArray().Select(c => (string?)c!["field"]).ShouldBe([".data.a", ".data.b", ".data.c"]);
    }

    [Fact]
    public void AForcedApply_TakesTheFields_AndAnEqualValueIsShared()
    {
        var old = Json("""{"data":{"a":"1","b":"1"}}""");
        var updated = Json("""{"data":{"a":"2","b":"1"}}""");
        IReadOnlyList<ManagedFieldsEntry> managers = [Manager("alpha", "Apply", """{"f:data":{"f:a":{},"f:b":{}}}""")];

        var after = FieldOwnership.AfterApply(managers, old, updated, _builtin, _writer, new ApplyIntent(Set("""{"f:data":{"f:a":{},"f:b":{}}}"""), Force: true), "now");

        after.Single(e => e.Manager == "alpha").Fields.ToFieldsV1().ToJsonString().ShouldBe("""{"f:data":{"f:b":{}}}""");
        after.Single(e => e.Manager == "me").Fields.ToFieldsV1().ToJsonString().ShouldBe("""{"f:data":{"f:a":{},"f:b":{}}}""");
        after.Single(e => e.Manager == "me").Time.ShouldBe("now");
    }

    [Fact]
    public void AWriteThroughTheMainResource_OwnsNoStatus_AndOneThroughStatus_OnlyStatus()
    {
        var old = Json("""{"spec":{"x":1},"status":{"y":1}}""");
        var updated = Json("""{"spec":{"x":2},"status":{"y":2}}""");

        var main = FieldOwnership.AfterUpdate([], old, updated, _builtin, new FieldWriter("main", "v1", null, SeparateStatus: true), "now");
        var status = FieldOwnership.AfterUpdate([], old, updated, _builtin, new FieldWriter("status", "v1", "status", SeparateStatus: true), "now");

        main.Single().Fields.ToFieldsV1().ToJsonString().ShouldBe("""{"f:spec":{"f:x":{}}}""");
        status.Single().Fields.ToFieldsV1().ToJsonString().ShouldBe("""{"f:status":{"f:y":{}}}""");
    }

    [Fact]
    public void CustomResourceSchemas_DecideListKeysAndAtomicMaps()
    {
        var schema = new V1JSONSchemaProps
        {
            Type = "object",
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["spec"] = new()
                {
                    Type = "object",
                    Properties = new Dictionary<string, V1JSONSchemaProps>
                    {
                        ["ranks"] = new() { Type = "array", XKubernetesListType = "map", XKubernetesListMapKeys = ["id"], Items = new V1JSONSchemaProps { Type = "object" } },
                        ["routing"] = new() { Type = "object", XKubernetesMapType = "atomic" },
                    },
                },
            },
        };
        var config = Json("""{"spec":{"ranks":[{"id":3,"node":"n"}],"routing":{"a":1}}}""");

        var paths = ObjectFields.Of(config, FieldShape.For(schema)).Paths().Select(PathElements.Describe);

        paths.ShouldBe([".spec.ranks[id=3]", ".spec.ranks[id=3].id", ".spec.ranks[id=3].node", ".spec.routing"]);
    }
}
