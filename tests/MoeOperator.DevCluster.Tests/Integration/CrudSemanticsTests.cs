using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MoeOperator.DevCluster.Tests.Integration;

public sealed class CrudSemanticsTests(DevServer dev) : IClassFixture<DevServer>
{
    [Fact]
    public async Task Request_WithoutOrWithAWrongToken_Is401()
    {
        using var anonymous = dev.NewHttpClient(null);
        using var wrong = dev.NewHttpClient("not-the-token");

        (await anonymous.GetAsync("/api/v1/namespaces")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var response = await wrong.GetAsync("/api/v1/namespaces");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        ((string?)status["kind"]).ShouldBe("Status");
        ((string?)status["reason"]).ShouldBe("Unauthorized");
    }

    [Fact]
    public async Task RequestBody_OverThreeMebibytes_Is413BeforeAnythingIsStored()
    {
        var ns = await dev.NewNamespaceAsync();
        var huge = Objects.ConfigMap("huge");
        huge["data"] = new JsonObject { ["blob"] = new string('x', 3 * 1024 * 1024) };

        var (status, body) = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", huge);

        status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        ((string?)body!["reason"]).ShouldBe("RequestEntityTooLarge");
        ((string?)body["message"]).ShouldBe("Request entity too large: limit is 3145728");
        (await dev.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/huge")).Status.ShouldBe(HttpStatusCode.NotFound);
        // Just under the limit the body is read, and the object's own rules decide (a ConfigMap holds at most 1 MiB).
        huge["data"] = new JsonObject { ["blob"] = new string('x', (3 * 1024 * 1024) - 200) };
        var (under, refusal) = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", huge);
        under.ShouldBe(HttpStatusCode.UnprocessableEntity, refusal?.ToJsonString());
        ((string?)refusal!["message"]).ShouldBe("ConfigMap \"huge\" is invalid: []: Too long: must have at most 1048576 bytes");
    }

    [Fact]
    public async Task Secret_StringDataIsFoldedIntoData_AndDataOverOneMebibyteIsRefused()
    {
        var ns = await dev.NewNamespaceAsync();
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "token" },
            ["data"] = new JsonObject { ["kept"] = "a2VwdA==", ["user"] = "b2xk" },
            ["stringData"] = new JsonObject { ["user"] = "admin", ["token"] = "s3cr\u00e9t" },
        };

        var created = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/secrets", secret);

        created["stringData"].ShouldBeNull();
        ((string?)created["data"]!["kept"]).ShouldBe("a2VwdA==");
        ((string?)created["data"]!["user"]).ShouldBe(Convert.ToBase64String("admin"u8.ToArray()));
        ((string?)created["data"]!["token"]).ShouldBe(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("s3cr\u00e9t")));
        var big = secret.DeepClone().AsObject();
        big["metadata"]!["name"] = "big";
        big.Remove("stringData");
        big["data"] = new JsonObject { ["blob"] = Convert.ToBase64String(new byte[(1024 * 1024) + 1]) };
        var (status, body) = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/secrets", big);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ((string?)body!["message"]).ShouldBe("Secret \"big\" is invalid: data: Too long: must have at most 1048576 bytes");
        big["data"] = new JsonObject { ["blob"] = Convert.ToBase64String(new byte[1024 * 1024]) };
        (await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/secrets", big)).Status.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task KubernetesClient_CreateGetUpdateDelete_RoundTrips()
    {
        var ns = await dev.NewNamespaceAsync();
        var created = await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, ns);

        created.Metadata.Uid.ShouldNotBeNullOrEmpty();
        created.Metadata.CreationTimestamp.ShouldNotBeNull();
        created.Data["b"] = "2";
        var updated = await dev.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "settings", ns);
        long.Parse(updated.Metadata.ResourceVersion).ShouldBeGreaterThan(long.Parse(created.Metadata.ResourceVersion));
        (await dev.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns)).Data.ShouldContainKeyAndValue("b", "2");
        await dev.Client.CoreV1.DeleteNamespacedConfigMapAsync("settings", ns);
        var missing = await Should.ThrowAsync<HttpOperationException>(() => dev.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns));
        missing.Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PodBinding_AssignsAnUnboundPodOnce_AsAnExternalSchedulerDoes()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodSpec { SchedulerName = "elsewhere", Containers = [new V1Container { Name = "c", Image = "i" }] } }, ns);
        var binding = new V1Binding { Metadata = new V1ObjectMeta { Name = "p" }, Target = new V1ObjectReference { Kind = "Node", Name = "node-a" } };

        await dev.Client.CoreV1.CreateNamespacedPodBindingAsync(binding, "p", ns);

        var pod = await dev.Client.CoreV1.ReadNamespacedPodAsync("p", ns);
        pod.Spec.NodeName.ShouldBe("node-a");
        pod.Status.Conditions.ShouldContain(c => c.Type == "PodScheduled" && c.Status == "True");
        binding.Target.Name = "node-b";
        var again = await Should.ThrowAsync<HttpOperationException>(() => dev.Client.CoreV1.CreateNamespacedPodBindingAsync(binding, "p", ns));
        again.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        ((string?)JsonNode.Parse(again.Response.Content)!["message"]).ShouldEndWith("already assigned to node \"node-a\"");
    }

    [Fact]
    public async Task Update_WithAStaleResourceVersion_Is409Conflict()
    {
        var ns = await dev.NewNamespaceAsync();
        var first = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("c"));
        var second = first.DeepClone();
        second["data"]!["k"] = "changed";
        await dev.OkAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/c", second);
        first["data"]!["k"] = "stale";

        var (status, body) = await dev.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/c", first);

        status.ShouldBe(HttpStatusCode.Conflict);
        ((string?)body!["reason"]).ShouldBe("Conflict");
        ((string?)body["message"]).ShouldBe("Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again");
        ((string?)body["details"]!["name"]).ShouldBe("c");
    }

    [Fact]
    public async Task Create_Twice_Is409AlreadyExists_AndMissingIs404NotFound()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("c"));

        var (again, againBody) = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("c"));
        var (missing, missingBody) = await dev.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/nope");

        again.ShouldBe(HttpStatusCode.Conflict);
        ((string?)againBody!["reason"]).ShouldBe("AlreadyExists");
        ((string?)againBody["message"]).ShouldBe("configmaps \"c\" already exists");
        missing.ShouldBe(HttpStatusCode.NotFound);
        ((string?)missingBody!["message"]).ShouldBe("configmaps \"nope\" not found");
        ((int?)missingBody["code"]).ShouldBe(404);
    }

    [Fact]
    public async Task Create_InAMissingNamespace_Is404()
    {
        var (status, body) = await dev.SendAsync(HttpMethod.Post, "/api/v1/namespaces/does-not-exist/configmaps", Objects.ConfigMap("c"));

        status.ShouldBe(HttpStatusCode.NotFound);
        ((string?)body!["message"]).ShouldBe("namespaces \"does-not-exist\" not found");
    }

    [Fact]
    public async Task Create_WithGenerateName_GetsAUniqueName()
    {
        var ns = await dev.NewNamespaceAsync();
        var template = new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "run-" }, ["data"] = new JsonObject() };

        var a = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", template);
        var b = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", template);

        ((string?)a["metadata"]!["name"]).ShouldStartWith("run-");
        ((string?)a["metadata"]!["name"])!.Length.ShouldBe("run-".Length + 5);
        ((string?)a["metadata"]!["name"]).ShouldNotBe((string?)b["metadata"]!["name"]);
    }

    [Fact]
    public async Task Generation_CountsSpecChangesOnly()
    {
        await dev.InstallCrdsAsync();
        var ns = await dev.NewNamespaceAsync();
        var path = $"/apis/moe.dev/v1alpha1/namespaces/{ns}/epgroups";
        var created = await dev.OkAsync(HttpMethod.Post, path, Objects.EPGroup("g"));
        ((long)created["metadata"]!["generation"]!).ShouldBe(1);

        var labelled = await dev.OkAsync(HttpMethod.Patch, $"{path}/g", JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}}}"""), "application/merge-patch+json");
        var statused = await dev.OkAsync(HttpMethod.Patch, $"{path}/g/status", JsonNode.Parse("""{"status":{"readyRanks":2}}"""), "application/merge-patch+json");
        var respecced = await dev.OkAsync(HttpMethod.Patch, $"{path}/g", JsonNode.Parse("""{"spec":{"ranks":8}}"""), "application/merge-patch+json");

        ((long)labelled["metadata"]!["generation"]!).ShouldBe(1);
        ((long)statused["metadata"]!["generation"]!).ShouldBe(1);
        ((long)respecced["metadata"]!["generation"]!).ShouldBe(2);
    }

    [Fact]
    public async Task StatusSubresource_IsolatesStatusFromSpec()
    {
        await dev.InstallCrdsAsync();
        var ns = await dev.NewNamespaceAsync();
        var path = $"/apis/moe.dev/v1alpha1/namespaces/{ns}/epgroups";
        var withStatus = Objects.EPGroup("g");
        withStatus["status"] = new JsonObject { ["readyRanks"] = 99 };
        var created = await dev.OkAsync(HttpMethod.Post, path, withStatus);
        created["status"].ShouldBeNull("create ignores status when a status subresource exists");

        var viaStatus = created.DeepClone();
        viaStatus["spec"]!["ranks"] = 8;
        viaStatus["status"] = new JsonObject { ["readyRanks"] = 3 };
        var afterStatus = await dev.OkAsync(HttpMethod.Put, $"{path}/g/status", viaStatus);
        ((int)afterStatus["spec"]!["ranks"]!).ShouldBe(4, "a status update leaves the spec alone");
        ((int)afterStatus["status"]!["readyRanks"]!).ShouldBe(3);

        var viaMain = afterStatus.DeepClone();
        viaMain["spec"]!["ranks"] = 8;
        viaMain["status"]!["readyRanks"] = 7;
        var afterMain = await dev.OkAsync(HttpMethod.Put, $"{path}/g", viaMain);
        ((int)afterMain["spec"]!["ranks"]!).ShouldBe(8);
        ((int)afterMain["status"]!["readyRanks"]!).ShouldBe(3, "a main-resource update leaves the status alone");
    }

    [Fact]
    public async Task Update_ThatChangesNothing_KeepsTheResourceVersion()
    {
        var ns = await dev.NewNamespaceAsync();
        var created = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("c"));

        var again = await dev.OkAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/c", created);

        ((string?)again["metadata"]!["resourceVersion"]).ShouldBe((string?)created["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Discovery_ListsBuiltInAndCustomResources()
    {
        await dev.InstallCrdsAsync();

        var core = await dev.OkAsync(HttpMethod.Get, "/api/v1");
        var groups = await dev.OkAsync(HttpMethod.Get, "/apis");
        var moe = await dev.OkAsync(HttpMethod.Get, "/apis/moe.dev/v1alpha1");

        core["resources"]!.AsArray().Select(r => (string?)r!["name"]).ShouldContain("pods/log");
        groups["groups"]!.AsArray().Select(g => (string?)g!["name"]).ShouldContain("moe.dev");
        var epgroups = moe["resources"]!.AsArray().Single(r => (string?)r!["name"] == "epgroups")!;
        epgroups["shortNames"]!.AsArray().Select(s => (string?)s).ShouldBe(["epg"]);
        epgroups["categories"]!.AsArray().Select(s => (string?)s).ShouldBe(["moe"]);
        moe["resources"]!.AsArray().Select(r => (string?)r!["name"]).ShouldContain("epgroups/status");
    }

    [Fact]
    public async Task Table_ForACustomResource_HasItsPrinterColumns()
    {
        await dev.InstallCrdsAsync();
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{ns}/epgroups", Objects.EPGroup("g"));
        using var http = dev.NewHttpClient(dev.Server.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{ns}/epgroups");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        var table = JsonNode.Parse(await (await http.SendAsync(request)).Content.ReadAsStringAsync())!;

        ((string?)table["kind"]).ShouldBe("Table");
        table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]).ShouldBe(["Name", "Phase", "Ranks", "Ready", "Imbalance", "Restarts", "Map", "Age"]);
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        ((string?)cells[0]).ShouldBe("g");
        ((int?)cells[2]).ShouldBe(4);
    }
}
