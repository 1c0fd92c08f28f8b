using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview (kubectl auth can-i, and can-i --list):
/// answered for the requesting user from the stored RBAC objects, never stored.
/// </summary>
internal static class AccessReviews
{
    public static RbacAuthorizer Authorizer(ResourceService service)
    {
        List<JsonObject> All(string groupResource) => service.Store.List(groupResource, null).Items;
        return new RbacAuthorizer(
            All("roles.rbac.authorization.k8s.io"),
            All("clusterroles.rbac.authorization.k8s.io"),
            All("rolebindings.rbac.authorization.k8s.io"),
            All("clusterrolebindings.rbac.authorization.k8s.io"));
    }

    /// <summary>The review with its status filled in.</summary>
    public static JsonObject Answer(string resource, JsonObject review, RequestUser user, RbacAuthorizer authorizer) => resource switch
    {
        "selfsubjectaccessreviews" => AccessReview(review, user, authorizer),
        "selfsubjectrulesreviews" => RulesReview(review, user, authorizer),
        _ => throw new ApiException(404, "NotFound", "the server could not find the requested resource"),
    };

    private static JsonObject AccessReview(JsonObject review, RequestUser user, RbacAuthorizer authorizer)
    {
        var spec = review["spec"] as JsonObject ?? throw ApiException.BadRequest("spec: Required value: a SelfSubjectAccessReview needs spec.resourceAttributes or spec.nonResourceAttributes");
        AccessAttributes attributes;
        if (spec["resourceAttributes"] is JsonObject r)
        {
            attributes = new AccessAttributes((string?)r["verb"] ?? "", (string?)r["group"] ?? "", (string?)r["resource"] ?? "", (string?)r["subresource"] ?? "", (string?)r["name"] ?? "", (string?)r["namespace"] ?? "");
        }
        else if (spec["nonResourceAttributes"] is JsonObject n)
        {
            attributes = new AccessAttributes((string?)n["verb"] ?? "", Path: (string?)n["path"] ?? "");
        }
        else
        {
            throw ApiException.BadRequest("spec: Invalid value: exactly one of spec.resourceAttributes and spec.nonResourceAttributes must be set");
        }

        var (allowed, reason) = authorizer.Authorize(user, attributes);
        var answer = review.DeepClone().AsObject();
        answer["apiVersion"] = "authorization.k8s.io/v1";
        answer["kind"] = "SelfSubjectAccessReview";
        answer["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        answer["status"] = reason.Length > 0 ? new JsonObject { ["allowed"] = allowed, ["reason"] = reason } : new JsonObject { ["allowed"] = allowed };
        return answer;
    }

    private static JsonObject RulesReview(JsonObject review, RequestUser user, RbacAuthorizer authorizer)
    {
        var ns = (string?)review["spec"]?["namespace"] ?? "";
        var (resourceRules, nonResourceRules) = authorizer.Rules(user, ns);
        return new JsonObject
        {
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["kind"] = "SelfSubjectRulesReview",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = new JsonObject { ["namespace"] = ns },
            ["status"] = new JsonObject
            {
                ["resourceRules"] = new JsonArray([.. resourceRules]),
                ["nonResourceRules"] = new JsonArray([.. nonResourceRules]),
                ["incomplete"] = false,
            },
        };
    }
}
