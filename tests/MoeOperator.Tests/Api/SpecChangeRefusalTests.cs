using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Testing;
using MoeOperator.Tests.Controllers;

namespace MoeOperator.Tests.Api;

/// <summary>
/// Every spec field of ThreeFSCluster and TrainingJob changed on a stored object through the dev API server: an
/// immutable field's change is refused (422) naming the field that decides it and what to do instead; a field
/// changeable only while suspended is refused so on a running spec and accepted with suspend set; any other field's
/// change is accepted. What an accepted change then does is shown elsewhere: spec.image rolls
/// (ThreeFSUpgradeTests), storage.replicas scales (ThreeFSScaleOutTests), deletionPolicy decides at deletion
/// (ThreeFSDeletionTests); EPGroup fields are walked with their effects by EPGroupSpecChangeTests.
/// </summary>
public sealed class SpecChangeRefusalTests
{
    private const string Ns = "changes";

    public static TheoryData<string, string> Kinds_ => new() { { "ThreeFSCluster", "threefscluster-minimal.yaml" }, { "TrainingJob", "trainingjob-minimal.yaml" } };

    [Theory]
    [MemberData(nameof(Kinds_))]
    public async Task EverySpecField_ChangedOnAStoredObject_IsRefusedNamingTheField_WhenImmutable_AndAcceptedOtherwise(string kindName, string sample)
    {
        var kind = Kinds.All.Single(k => k.Kind == kindName);
        var specSchema = CrdGenerator.Build(kind).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        await using var dev = await OperatorDevCluster.StartAsync(Ns, new NodePoolSpec { Nodes = 1 }, data => new KubeletOptions { DataDirectory = data }, []);
        var resource = YamlDocuments.Parse(await File.ReadAllTextAsync(RepoPaths.Of("crds", "samples", sample))).Single();
        resource["metadata"]!["namespace"] = Ns;
        await dev.CreateAsync(kind.Plural, resource);
        var path = $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/{kind.Plural}/{resource["metadata"]!["name"]}";

        var unexplained = new List<string>();
        foreach (var field in SpecChanges.Fields(kind))
        {
            var decision = SpecChanges.DecisionFor(kind.SpecType, field)!;
            var decidedAt = SpecChanges.DecidedAt(kind.SpecType, field)!;
            var outcomes = new List<string>();
            var shown = false;
            foreach (var changed in Changes(field, specSchema, (await dev.Json.SendAsync(HttpMethod.Get, path)).Body!.AsObject()))
            {
                if (decision.Change == SpecChange.WhileSuspended)
                {
                    // Refused on a running spec, naming the field; accepted once the same change also suspends.
                    changed["spec"]!["suspend"] = false;
                    var (running, refusal) = await dev.Json.SendAsync(HttpMethod.Put, path, changed);
                    var refused = (string?)refusal?["message"] ?? "";
                    outcomes.Add($"running: {(int)running} {refused}");
                    if (running != HttpStatusCode.UnprocessableEntity || !refused.Contains($"spec.{decidedAt}: Invalid value", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    refused.ShouldContain($"{decidedAt.Split('.')[^1]} can change only while suspend is true: {decision.How}");
                    changed["spec"]!["suspend"] = true;
                    var (suspended, answer) = await dev.Json.SendAsync(HttpMethod.Put, path, changed);
                    var text = (string?)answer?["message"] ?? "";
                    outcomes.Add($"suspended: {(int)suspended} {text}");
                    // Suspended, the gate is open: the change is accepted, or refused only for what the value breaks
                    // (an odd pipeline under DualPipe, say), never for changing the field.
                    if (suspended == HttpStatusCode.OK || (suspended == HttpStatusCode.UnprocessableEntity && !text.Contains("can change only while suspend is true", StringComparison.Ordinal)))
                    {
                        shown = true;
                        break;
                    }

                    continue;
                }

                var (status, body) = await dev.Json.SendAsync(HttpMethod.Put, path, changed);
                var message = (string?)body?["message"] ?? "";
                outcomes.Add($"{(int)status} {message}");
                if (decision.Change == SpecChange.Immutable && status == HttpStatusCode.UnprocessableEntity && message.Contains($"spec.{decidedAt}: Invalid value", StringComparison.Ordinal))
                {
                    message.ShouldContain($"{decidedAt.Split('.')[^1]} is immutable: {decision.How}");
                    shown = true;
                    break;
                }

                if (decision.Change != SpecChange.Immutable && status == HttpStatusCode.OK)
                {
                    shown = true;
                    break;
                }
            }

            if (!shown)
            {
                unexplained.Add($"{field} ({decision.Change} at {decidedAt}): {string.Join(" | ", outcomes)}");
            }
        }

        unexplained.ShouldBeEmpty();
    }

    // Whole objects, each with the field changed to another value its schema allows, most likely first.
    private static IEnumerable<JsonObject> Changes(string field, V1JSONSchemaProps specSchema, JsonObject stored)
    {
        var names = field.Split('.');
        var (parentSchema, leafSchema) = (specSchema, specSchema);
        foreach (var name in names)
        {
            parentSchema = leafSchema;
            leafSchema = parentSchema.Properties[name.TrimEnd('[', ']')];
            if (name.EndsWith("[]", StringComparison.Ordinal))
            {
                // A list of objects (tolerations): the list is the unit a user changes.
                foreach (var value in new[] { 60, 61 })
                {
                    yield return With(stored, specSchema, names.TakeWhile(n => n != name).Append(name[..^2]), new JsonArray(new JsonObject { ["key"] = "example.com/k", ["operator"] = "Equal", ["value"] = "v", ["effect"] = "NoExecute", ["tolerationSeconds"] = value }));
                }

                yield break;
            }
        }

        var current = names.Aggregate<string, JsonNode?>(stored["spec"], (node, name) => node?[name]);
        foreach (var value in Candidates(leafSchema, current))
        {
            yield return With(stored, specSchema, names, value);
        }
    }

    private static IEnumerable<JsonNode> Candidates(V1JSONSchemaProps schema, JsonNode? current)
    {
        if (schema.XKubernetesIntOrString == true)
        {
            return [JsonValue.Create("11Gi"), JsonValue.Create("250m")];
        }

        return schema.Type switch
        {
            "integer" => [.. new[] { 1, 2, 3, -1 }.Select(d => ((long?)current ?? (long)(schema.Minimum ?? 0)) + d).Where(v => v >= (schema.Minimum ?? long.MinValue) && v <= (schema.Maximum ?? long.MaxValue)).Select(v => JsonValue.Create(v))],
            "number" => [JsonValue.Create(((double?)current ?? 1.0) + 0.5)],
            "boolean" => [JsonValue.Create(!((bool?)current ?? false))],
            "object" => [new JsonObject { ["cpu"] = "1", ["example.com/k"] = "1" }, new JsonObject { ["example.com/k"] = "v" }],
            "array" => [.. Strings(schema.Items as V1JSONSchemaProps, null).Select(s => new JsonArray([.. ((JsonArray?)current ?? []).Select(i => i?.DeepClone()), JsonValue.Create(s)]))],
            _ => [.. Strings(schema, (string?)current).Select(s => JsonValue.Create(s))],
        };
    }

    private static IEnumerable<string> Strings(V1JSONSchemaProps? schema, string? current)
    {
        if (schema?.EnumProperty is { Count: > 0 } values)
        {
            return values.Select(v => v.ToString()!).Where(v => v != current);
        }

        var bases = current is null ? ["x", "/data/x", "1m", "1"] : new[] { current + "x", current + "/x", "1" + current };
        return bases.Where(s => s != current && (schema?.Pattern is null || Regex.IsMatch(s, schema.Pattern, RegexOptions.None, TimeSpan.FromSeconds(1))) && (schema?.MaxLength is not { } max || s.Length <= max));
    }

    // The stored object with the field set; an object on the way that did not exist gets its other required
    // fields too, so the change is refused (or not) for what it changes, not for what it leaves out.
    private static JsonObject With(JsonObject stored, V1JSONSchemaProps specSchema, IEnumerable<string> names, JsonNode value)
    {
        var copy = stored.DeepClone().AsObject();
        var (node, schema) = (copy["spec"]!.AsObject(), specSchema);
        var path = names.ToList();
        var created = new List<(JsonObject Node, V1JSONSchemaProps Schema)>();
        foreach (var name in path[..^1])
        {
            schema = schema.Properties[name];
            if (node[name] is not JsonObject child)
            {
                node[name] = child = new JsonObject();
                created.Add((child, schema));
            }

            node = child;
        }

        node[path[^1]] = value;
        foreach (var (fresh, freshSchema) in created)
        {
            foreach (var required in (freshSchema.Required ?? []).Where(r => fresh[r] is null))
            {
                fresh[required] = Candidates(freshSchema.Properties[required], null).First().DeepClone();
            }
        }

        return copy;
    }
}
