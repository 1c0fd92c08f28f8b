using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Protobuf;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// /openapi/v2, the Swagger 2.0 document every real API server serves beside the v3 ones: a definition per kind
/// (tagged with its group, version and kind) and a PATCH operation per resource declaring the fieldValidation query
/// parameter. kubectl reads it (as protobuf, gnostic's openapi_v2.Document) when a group version is missing from
/// /openapi/v3, so applying a kind that does not exist ends in its usual "ensure CRDs are installed first" instead
/// of a failed download. Built from the same v3 documents, so both always describe the same kinds.
/// </summary>
internal static class OpenApiV2Document
{
    /// <summary>What kubectl asks for (Accept).</summary>
    public const string ProtobufMediaType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>What the real server answers with: the same type spelled without the '@', which Go's media type parser refuses.</summary>
    public const string ProtobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /// <summary>The document as JSON (Swagger 2.0).</summary>
    public static JsonObject Json(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        var definitions = new JsonObject();
        foreach (var (group, version) in catalog.All.Select(t => (t.Group, t.Version)).Distinct())
        {
            var v3 = OpenApiDocuments.GroupVersion(catalog, group, version)!;
            foreach (var (name, schema) in v3["components"]!["schemas"]!.AsObject())
            {
                definitions[name] = new JsonObject
                {
                    ["description"] = (string?)schema!["description"] ?? "",
                    ["type"] = "object",
                    ["x-kubernetes-group-version-kind"] = schema["x-kubernetes-group-version-kind"]!.DeepClone(),
                };
            }

            foreach (var (path, item) in v3["paths"]!.AsObject())
            {
                var patch = item!["patch"]!;
                paths[path] = new JsonObject
                {
                    ["patch"] = new JsonObject
                    {
                        ["operationId"] = (string?)patch["operationId"],
                        ["parameters"] = new JsonArray([.. patch["parameters"]!.AsArray().Select(p => (JsonNode)new JsonObject
                        {
                            ["name"] = (string?)p!["name"],
                            ["in"] = "query",
                            ["type"] = (string?)p["schema"]!["type"],
                            ["uniqueItems"] = true,
                        })]),
                        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                        ["x-kubernetes-group-version-kind"] = patch["x-kubernetes-group-version-kind"]!.DeepClone(),
                    },
                };
            }
        }

        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.35.0" },
            ["paths"] = paths,
            ["definitions"] = definitions,
        };
    }

    /// <summary>The same document in gnostic's openapi_v2.Document protobuf (field numbers from OpenAPIv2.proto).</summary>
    public static byte[] Protobuf(ResourceCatalog catalog)
    {
        var json = Json(catalog);
        var document = new WireWriter()
            .String(1, (string?)json["swagger"])
            .Message(2, info => info.String(1, (string?)json["info"]!["title"]).String(2, (string?)json["info"]!["version"]))
            .Message(8, paths =>
            {
                foreach (var (path, item) in json["paths"]!.AsObject())
                {
                    paths.Message(2, named => named.String(1, path).Message(2, pathItem => pathItem.Message(8, operation => Operation(operation, item!["patch"]!.AsObject()))));
                }
            })
            .Message(9, definitions =>
            {
                foreach (var (name, schema) in json["definitions"]!.AsObject())
                {
                    definitions.Message(1, named => named.String(1, name).Message(2, s => s
                        .String(4, (string?)schema!["description"])
                        .Message(22, type => type.String(1, (string?)schema["type"]))
                        .Message(31, extension => Extension(extension, "x-kubernetes-group-version-kind", GvkListYaml(schema["x-kubernetes-group-version-kind"]!.AsArray())))));
                }
            });
        return document.ToArray();
    }

    // Operation: operation_id 5, parameters 8, responses 9, vendor_extension 13.
    private static void Operation(WireWriter operation, JsonObject patch)
    {
        operation.String(5, (string?)patch["operationId"]);
        foreach (var parameter in patch["parameters"]!.AsArray())
        {
            // ParametersItem.parameter 1 -> Parameter.non_body_parameter 2 -> NonBodyParameter.query_parameter_sub_schema 3.
            operation.Message(8, item => item.Message(1, p => p.Message(2, nonBody => nonBody.Message(3, query => query
                .String(2, "query")
                .String(4, (string?)parameter!["name"])
                .String(6, (string?)parameter["type"])
                .Bool(20, true)))));
        }

        // Responses.response_code 1 -> NamedResponseValue (name 1, value 2) -> ResponseValue.response 1 -> Response.description 1.
        operation.Message(9, responses => responses.Message(1, code => code.String(1, "200").Message(2, value => value.Message(1, response => response.String(1, "OK")))));
        var gvk = patch["x-kubernetes-group-version-kind"]!;
        operation.Message(13, extension => Extension(extension, "x-kubernetes-group-version-kind", GvkYaml(gvk, indent: "")));
    }

    // NamedAny: name 1, value 2 -> Any.yaml 2.
    private static void Extension(WireWriter named, string name, string yaml) =>
        named.String(1, name).Message(2, any => any.String(2, yaml));

    private static string GvkListYaml(JsonArray gvks) => string.Concat(gvks.Select(g => "- " + GvkYaml(g!, indent: "  ").TrimStart()));

    private static string GvkYaml(JsonNode gvk, string indent) =>
        $"{indent}group: {Quoted((string?)gvk["group"])}\n{indent}kind: {Quoted((string?)gvk["kind"])}\n{indent}version: {Quoted((string?)gvk["version"])}\n";

    private static string Quoted(string? value) => $"\"{value}\"";
}
