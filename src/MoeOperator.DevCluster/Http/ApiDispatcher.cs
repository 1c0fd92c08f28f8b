using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>Routes every HTTP request of the dev API server: authentication, faults, discovery, OpenAPI and the resource verbs.</summary>
internal sealed class ApiDispatcher(
    ResourceService service,
    WatchStreamer watches,
    FaultInjector faults,
    RequestCounter counter,
    string token,
    ServiceAccountTokens serviceAccountTokens,
    Func<string> serverAddress,
    Func<IPodLogSource?> logs,
    Func<IPodExec?> podExec,
    Cluster.ComponentErrors componentErrors,
    TimeProvider clock)
{
    private readonly LogFollower _logFollower = new(service, logs, clock);

    private ResourceCatalog Catalog => service.Catalog;

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            var path = context.Request.Path.Value ?? "/";
            if (path is "/healthz" or "/livez" or "/readyz")
            {
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return;
            }

            // The administrator's token, or a service account's (projected into pods, or from a TokenRequest).
            var bearer = context.Request.Headers.Authorization.ToString() is var header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
            var authenticated = bearer == token ? RequestUser.Admin : bearer is null ? null : serviceAccountTokens.Authenticate(bearer);
            if (authenticated is null)
            {
                await HttpJson.WriteAsync(context, 401, ApiException.Status(401, "Unauthorized", "Unauthorized"));
                return;
            }

            context.Items[typeof(RequestUser)] = authenticated;

            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, context.RequestAborted);
            }

            if (path == "/metrics")
            {
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await context.Response.WriteAsync(componentErrors.MetricsText(), context.RequestAborted);
                return;
            }

            if (RequestInfo.Parse(path) is { } request)
            {
                await HandleResourceAsync(context, request);
            }
            else
            {
                await HandleDocumentAsync(context, path);
            }
        }
        catch (ApiException error)
        {
            await HttpJson.WriteErrorAsync(context, error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client hung up.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            // A bug of the dev server must reach the client as the real server reports internal errors, not as a
            // dropped connection, and its stack trace the server's own log.
            await Console.Error.WriteLineAsync($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}: {e}");
            await HttpJson.WriteAsync(context, 500, ApiException.Status(500, "InternalError", $"Internal error occurred: {e.GetType().Name}: {e.Message}"));
        }
    }

    private async Task HandleDocumentAsync(HttpContext context, string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is ["openapi", "v2"] && context.Request.Headers.Accept.ToString().Contains(OpenApiV2Document.ProtobufMediaType, StringComparison.Ordinal))
        {
            context.Response.ContentType = OpenApiV2Document.ProtobufContentType;
            await context.Response.Body.WriteAsync(OpenApiV2Document.Protobuf(Catalog), context.RequestAborted);
            return;
        }

        if (segments is ["api"] or ["apis"] && AggregatedDiscovery.IsWanted(context.Request.Headers.Accept.ToString()))
        {
            context.Response.Headers.Vary = "Accept";
            await HttpJson.WriteAsync(context, 200, AggregatedDiscovery.List(Catalog, core: segments is ["api"]), contentType: AggregatedDiscovery.ContentType);
            return;
        }

        JsonNode? document = segments switch
        {
            ["version"] => DiscoveryDocuments.Version(),
            ["api"] => DiscoveryDocuments.CoreVersions(serverAddress()),
            ["api", var version] => DiscoveryDocuments.Resources(Catalog, "", version),
            ["apis"] => DiscoveryDocuments.Groups(Catalog),
            ["apis", var group] => DiscoveryDocuments.Group(Catalog, group),
            ["apis", var group, var version] => DiscoveryDocuments.Resources(Catalog, group, version),
            ["openapi", "v2"] => OpenApiV2Document.Json(Catalog),
            ["openapi", "v3"] => OpenApiDocuments.Index(Catalog),
            ["openapi", "v3", "api", var version] => OpenApiDocuments.GroupVersion(Catalog, "", version),
            ["openapi", "v3", "apis", var group, var version] => OpenApiDocuments.GroupVersion(Catalog, group, version),
            _ => null,
        };
        if (document is null)
        {
            await HttpJson.WriteAsync(context, 404, ApiException.Status(404, "NotFound", "the server could not find the requested resource"));
            return;
        }

        await HttpJson.WriteAsync(context, 200, document);
    }

    // Who the request acts as: the administrator may impersonate (kubectl --as); a service account may not.
    private static RequestUser Requester(HttpContext context)
    {
        var authenticated = (RequestUser)context.Items[typeof(RequestUser)]!;
        var impersonated = context.Request.Headers["Impersonate-User"].ToString();
        if (authenticated == RequestUser.Admin)
        {
            return RequestUser.From(impersonated, context.Request.Headers["Impersonate-Group"].Select(g => g ?? ""));
        }

        return impersonated.Length == 0
            ? authenticated
            : throw new ApiException(403, "Forbidden", $"users \"{impersonated}\" is forbidden: User \"{authenticated.Name}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
    }

    private async Task HandleResourceAsync(HttpContext context, RequestInfo request)
    {
        var type = Catalog.Find(request.Group, request.Version, request.Resource)
            ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        var query = context.Request.Query;
        var method = context.Request.Method;
        var verb = (method, request.Name, query["watch"].ToString()) switch
        {
            ("GET", null, "true" or "1") => "watch",
            ("GET", null, _) => "list",
            ("GET", _, _) => "get",
            ("POST", null, _) => "create",
            ("POST", not null, _) when request.Subresource is "binding" or "exec" or "attach" or "portforward" or "proxy" && type.GroupResource == "pods" => "create",
            ("POST", not null, _) when request.Subresource == "token" && type.GroupResource == "serviceaccounts" => "create",
            ("HEAD" or "OPTIONS", not null, _) when request.Subresource == "proxy" && type.GroupResource == "pods" => "get",
            ("PUT", not null, _) => "update",
            ("PATCH", not null, _) => "patch",
            ("DELETE", null, _) => "deletecollection",
            ("DELETE", not null, _) => "delete",
            _ => throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource: {method}"),
        };
        var user = Requester(context);
        if (type.Group == "authorization.k8s.io")
        {
            // Reviews are asked, never stored; every authenticated user may ask about themselves.
            if (verb != "create")
            {
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource: {method}");
            }

            counter.Record(verb, type.Plural);
            await HttpJson.WriteAsync(context, 201, AccessReviews.Answer(type.Plural, (await HttpJson.ReadAsync(context)).AsObject(), user, AccessReviews.Authorizer(service)));
            return;
        }

        if (user.NeedsAuthorization)
        {
            // A service account, or the administrator acting as someone else (kubectl --as), gets what RBAC gives.
            var attributes = new AccessAttributes(verb, type.Group, type.Plural, request.Subresource ?? "", request.Name ?? "", type.Namespaced ? request.Namespace ?? "" : "");
            if (!AccessReviews.Authorizer(service).Authorize(user, attributes).Allowed)
            {
                throw new ApiException(403, "Forbidden", RbacAuthorizer.ForbiddenMessage(user, attributes));
            }
        }

        var counted = request.Subresource is null ? type.Plural : $"{type.Plural}/{request.Subresource}";
        counter.Record(verb, counted);
        counter.RecordAccess(user.Name, verb, type.Group, counted);
        if (faults.TakeFailure(verb, type.Plural) is { } code)
        {
            throw new ApiException(code, code switch { 409 => "Conflict", 429 => "TooManyRequests", 500 => "InternalError", 503 => "ServiceUnavailable", _ => "Unknown" }, $"injected fault: {verb} {counted} fails with {code}");
        }

        if (type.Namespaced && request.Namespace is null && verb is "create" or "get" or "update" or "patch" or "delete")
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        var ns = type.Namespaced ? request.Namespace : null;
        var options = new RequestOptions(
            DryRun: query["dryRun"] == "All",
            FieldValidation: query["fieldValidation"].ToString() is { Length: > 0 } validation ? validation : "Warn",
            FieldManager: query["fieldManager"].ToString() is { Length: > 0 } manager ? manager : DefaultFieldManager(context),
            Force: query["force"] == "true");
        var status = request.Subresource == "status";
        if (request.Subresource is not (null or "status" or "scale" or "log" or "binding" or "exec" or "attach" or "portforward" or "proxy" or "token") || (request.Subresource is "exec" or "attach" or "portforward" or "proxy" && type.GroupResource != "pods") || (request.Subresource == "token" && type.GroupResource != "serviceaccounts") || (status && !type.HasStatus) || (request.Subresource == "scale" && !type.HasScale))
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        if (request.Subresource == "proxy")
        {
            await PodProxyEndpoint.ServeAsync(context, service, ns!, request.Name!, request.ProxyPath ?? "");
            return;
        }

        switch (verb)
        {
            case "list":
                await ListAsync(context, type, ns);
                break;
            case "watch":
                await watches.StreamAsync(context, type, ns, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]), WantsTable(context));
                break;
            case "get" or "create" when request.Subresource == "exec":
                await ExecStream.ServeAsync(context, podExec() ?? throw ApiException.BadRequest("this server runs no kubelet to exec in (an API server alone)"), ns!, request.Name!);
                break;
            case "get" or "create" when request.Subresource == "portforward":
                await PortForward.PortForwardEndpoint.ServeAsync(context, service, ns!, request.Name!);
                break;
            case "get" or "create" when request.Subresource == "attach":
                await AttachStream.ServeAsync(context, service, _logFollower, ns!, request.Name!);
                break;
            case "get" when request.Subresource == "log":
                await LogAsync(context, ns!, request.Name!);
                break;
            case "get" when request.Subresource == "scale":
                await HttpJson.WriteAsync(context, 200, Scale(type, service.Get(type, ns, request.Name!)));
                break;
            case "get":
                var obj = service.Get(type, ns, request.Name!);
                await HttpJson.WriteAsync(context, 200, WantsTable(context) ? TableBuilder.Build(type, [obj], (string?)obj["metadata"]?["resourceVersion"], IncludeObject(context), clock.GetUtcNow()) : obj);
                break;
            case "create" when request.Subresource == "token":
                await HttpJson.WriteAsync(context, 201, TokenRequests.Answer(service, serviceAccountTokens, ns!, request.Name!, (await HttpJson.ReadAsync(context)).AsObject()));
                break;
            case "create" when request.Subresource == "binding":
                await HttpJson.WriteAsync(context, 201, PodBinding.Bind(service, type, ns!, request.Name!, (await HttpJson.ReadAsync(context)).AsObject(), options));
                break;
            case "create":
                var created = service.Create(type, ns, (await HttpJson.ReadAsync(context)).AsObject(), options);
                await HttpJson.WriteAsync(context, 201, created.Object, created.Warnings);
                break;
            case "update" when request.Subresource == "scale":
                await UpdateScaleAsync(context, type, ns, request.Name!, (await HttpJson.ReadAsync(context))["spec"]?["replicas"], options);
                break;
            case "update":
                var updated = service.Update(type, ns, request.Name!, (await HttpJson.ReadAsync(context)).AsObject(), status, options);
                await HttpJson.WriteAsync(context, 200, updated.Object, updated.Warnings);
                break;
            case "patch" when request.Subresource == "scale":
                await UpdateScaleAsync(context, type, ns, request.Name!, (await HttpJson.ReadAsync(context))["spec"]?["replicas"], options);
                break;
            case "patch":
                var patchType = context.Request.ContentType?.Split(';')[0].Trim() ?? "";
                var patched = service.Patch(type, ns, request.Name!, patchType, await HttpJson.ReadAsync(context), status, options);
                await HttpJson.WriteAsync(context, patched.Created ? 201 : 200, patched.Object, patched.Warnings);
                break;
            case "delete":
                var deleted = service.Delete(type, ns, request.Name!, await DeleteOptionsAsync(context), options.DryRun);
                await HttpJson.WriteAsync(context, 200, deleted);
                break;
            case "deletecollection":
                await DeleteCollectionAsync(context, type, ns, options);
                break;
        }
    }

    private async Task ListAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var (items, revision) = service.Store.List(type.StorageResource, ns);
        var matching = items.Select(o => ResourceService.Versioned(type, o)).Where(o => labels.Matches(o) && fields.Matches(o)).ToList();
        var page = ListPage.Cut(matching, query["limit"], query["continue"], revision);
        if (WantsTable(context))
        {
            var table = TableBuilder.Build(type, page.Items, page.ResourceVersion, IncludeObject(context), clock.GetUtcNow());
            if (page.Continue is not null)
            {
                table["metadata"]!["continue"] = page.Continue;
            }

            await HttpJson.WriteAsync(context, 200, table);
            return;
        }

        var metadata = new JsonObject { ["resourceVersion"] = page.ResourceVersion };
        if (page.Continue is not null)
        {
            metadata["continue"] = page.Continue;
            metadata["remainingItemCount"] = page.Remaining;
        }

        await HttpJson.WriteAsync(context, 200, new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray([.. page.Items.Select(i => (JsonNode)i)]),
        });
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceType type, string? ns, RequestOptions options)
    {
        var labels = LabelSelector.Parse(context.Request.Query["labelSelector"]);
        var fields = FieldSelector.Parse(context.Request.Query["fieldSelector"]);
        var deleteOptions = await DeleteOptionsAsync(context);
        var deleted = new JsonArray();
        foreach (var obj in service.Store.List(type.StorageResource, ns).Items.Select(o => ResourceService.Versioned(type, o)).Where(o => labels.Matches(o) && fields.Matches(o)))
        {
            var name = (string)obj["metadata"]!["name"]!;
            deleted.Add(service.Delete(type, (string?)obj["metadata"]!["namespace"], name, deleteOptions, options.DryRun));
        }

        await HttpJson.WriteAsync(context, 200, new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = service.Store.Revision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    private async Task LogAsync(HttpContext context, string ns, string name)
    {
        var pod = service.Get(Catalog.Find("", "v1", "pods")!, ns, name);
        var container = context.Request.Query["container"].ToString() is { Length: > 0 } c ? c : (string?)pod["spec"]?["containers"]?[0]?["name"];
        var previous = context.Request.Query["previous"] == "true";
        var whole = logs()?.ReadLog(ns, name, container, previous)
            ?? throw ApiException.BadRequest($"{(previous ? "previous terminated" : "")} container \"{container}\" in pod \"{name}\" {(previous ? "not found" : "is waiting to start")}".Trim());
        var text = whole;
        if (int.TryParse(context.Request.Query["tailLines"], CultureInfo.InvariantCulture, out var tail))
        {
            var lines = text.Split('\n');
            var keep = text.EndsWith('\n') ? tail + 1 : tail;
            text = string.Join('\n', lines.TakeLast(keep));
        }

        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
        if (context.Request.Query["follow"] == "true" && !previous)
        {
            await FollowLogAsync(context, ns, name, container!, whole.Length);
        }
    }

    // follow=true: what the container writes next, as it writes it, until it stops or the client goes.
    private async Task FollowLogAsync(HttpContext context, string ns, string name, string container, int sent)
    {
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await _logFollower.FollowAsync(ns, name, container, sent, async text =>
        {
            await context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }, context.RequestAborted);
    }

    private async Task UpdateScaleAsync(HttpContext context, ResourceType type, string? ns, string name, JsonNode? replicas, RequestOptions options)
    {
        var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas?.DeepClone() } };
        var result = service.Patch(type, ns, name, PatchTypes.Merge, patch, statusSubresource: false, options with { Subresource = "scale" });
        await HttpJson.WriteAsync(context, 200, Scale(type, result.Object));
    }

    private static JsonObject Scale(ResourceType type, JsonObject obj) => new()
    {
        ["kind"] = "Scale",
        ["apiVersion"] = "autoscaling/v1",
        ["metadata"] = new JsonObject
        {
            ["name"] = obj["metadata"]?["name"]?.DeepClone(),
            ["namespace"] = obj["metadata"]?["namespace"]?.DeepClone(),
            ["resourceVersion"] = obj["metadata"]?["resourceVersion"]?.DeepClone(),
        },
        ["spec"] = new JsonObject { ["replicas"] = (int?)obj["spec"]?["replicas"] ?? 1 },
        ["status"] = new JsonObject { ["replicas"] = (int?)obj["status"]?["replicas"] ?? 0 },
    };

    private static async Task<JsonObject?> DeleteOptionsAsync(HttpContext context)
    {
        var options = await HttpJson.ReadOptionalAsync(context) as JsonObject;
        if (context.Request.Query["propagationPolicy"].ToString() is { Length: > 0 } policy)
        {
            options ??= [];
            options["propagationPolicy"] = policy;
        }

        return options;
    }

    // A write without a fieldManager is recorded under its user agent's program name, as the real server does;
    // an apply must name its manager (422 in the patch).
    private static string? DefaultFieldManager(HttpContext context) =>
        context.Request.ContentType?.StartsWith(Semantics.PatchTypes.Apply, StringComparison.Ordinal) == true ? null
        : context.Request.Headers.UserAgent.ToString().Split('/')[0] is { Length: > 0 } program ? program : null;

    private static bool WantsTable(HttpContext context) => context.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    private static bool IncludeObject(HttpContext context) => context.Request.Query["includeObject"] == "Object";
}
