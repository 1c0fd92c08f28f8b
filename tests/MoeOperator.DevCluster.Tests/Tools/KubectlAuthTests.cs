namespace MoeOperator.DevCluster.Tests.Tools;

/// <summary>
/// kubectl auth can-i (and --list) answered from RBAC, and impersonated requests (kubectl --as) allowed or refused
/// by it with the real server's 403, and a service account's own token (kubectl create token) likewise; the
/// administrator's token may do everything.
/// </summary>
public sealed class KubectlAuthTests(KubectlHarness k) : IClassFixture<KubectlHarness>
{
    private const string Robot = "system:serviceaccount:auth:robot";

    private void GrantRobotReadOnPods()
    {
        k.Kubectl("create", "namespace", "auth");
        k.Kubectl("create", "namespace", "elsewhere");
        k.Kubectl("create", "serviceaccount", "robot", "-n", "auth");
        k.Kubectl("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods", "--resource=pods/log", "-n", "auth");
        k.Kubectl("create", "rolebinding", "robot-reads", "--role=pod-reader", "--serviceaccount=auth:robot", "-n", "auth");
    }

    private string CanI(params string[] arguments)
    {
        var run = k.Kubectl(["auth", "can-i", .. arguments]);
        run.ExitCode.ShouldBeOneOf([0, 1], run.Output);
        return run.Stdout.Trim();
    }

    [Fact]
    public void CanI_AnswersFromTheRoleBindings_OfTheImpersonatedServiceAccount()
    {
        GrantRobotReadOnPods();

        CanI("create", "deployments", "-n", "auth").ShouldBe("yes", "the administrator");
        CanI("list", "pods", "-n", "auth", $"--as={Robot}").ShouldBe("yes");
        CanI("get", "pods", "--subresource=log", "-n", "auth", $"--as={Robot}").ShouldBe("yes");
        CanI("delete", "pods", "-n", "auth", $"--as={Robot}").ShouldBe("no");
        CanI("list", "pods", "-n", "elsewhere", $"--as={Robot}").ShouldBe("no", "a RoleBinding grants only in its namespace");
        CanI("list", "secrets", "-n", "auth", $"--as={Robot}").ShouldBe("no");
    }

    [Fact]
    public void CanIList_ShowsTheRulesThatApply()
    {
        GrantRobotReadOnPods();

        var rules = k.KubectlOk("auth", "can-i", "--list", "-n", "auth", $"--as={Robot}");

        rules.Split('\n').ShouldContain(line => line.StartsWith("pods ", StringComparison.Ordinal) && line.Contains("[get list watch]", StringComparison.Ordinal), rules);
        rules.ShouldNotContain("secrets");
    }

    [Fact]
    public void ImpersonatedRequests_AreAllowedOrForbiddenByRbac_WithTheRealServersMessage()
    {
        GrantRobotReadOnPods();

        k.Kubectl("run", "victim", "--image=busybox", "-n", "auth");
        k.Kubectl("get", "pods", "-n", "auth", $"--as={Robot}").ExitCode.ShouldBe(0);
        var delete = k.Kubectl("delete", "pod", "victim", "-n", "auth", $"--as={Robot}");
        var elsewhere = k.Kubectl("get", "pods", "-n", "elsewhere", $"--as={Robot}");

        delete.ExitCode.ShouldNotBe(0);
        delete.Stderr.ShouldContain("pods \"victim\" is forbidden: User \"system:serviceaccount:auth:robot\" cannot delete resource \"pods\" in API group \"\" in the namespace \"auth\"");
        k.KubectlOk("get", "pod", "victim", "-n", "auth").ShouldContain("victim", Case.Sensitive, "the refused delete left the pod");
        elsewhere.ExitCode.ShouldNotBe(0);
        elsewhere.Stderr.ShouldContain("Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:auth:robot\" cannot list resource \"pods\" in API group \"\" in the namespace \"elsewhere\"");
    }

    [Fact]
    public void AServiceAccountsOwnToken_GetsWhatRbacGivesIt_UntilTheAccountIsDeleted()
    {
        GrantRobotReadOnPods();
        k.Kubectl("run", "visible", "--image=busybox", "-n", "auth");

        var token = k.KubectlOk("create", "token", "robot", "-n", "auth").Trim();
        var allowed = k.Kubectl("get", "pods", "-n", "auth", $"--token={token}");
        var refused = k.Kubectl("get", "pods", "-n", "elsewhere", $"--token={token}");
        var version = k.Kubectl("version", "-o", "json", $"--token={token}");
        var impersonating = k.Kubectl("get", "pods", "-n", "auth", $"--token={token}", "--as=someone-else");
        var tooShort = k.Kubectl("create", "token", "robot", "-n", "auth", "--duration=1m");
        var forged = k.Kubectl("get", "pods", "-n", "auth", $"--token={token[..^2]}xx");

        token.Split('.').Length.ShouldBe(3, "a JWT, as a real server issues");
        allowed.ExitCode.ShouldBe(0, allowed.Output);
        allowed.Stdout.ShouldContain("visible");
        refused.ExitCode.ShouldNotBe(0);
        refused.Stderr.ShouldContain("pods is forbidden: User \"system:serviceaccount:auth:robot\" cannot list resource \"pods\" in API group \"\" in the namespace \"elsewhere\"");
        version.ExitCode.ShouldBe(0, version.Output);
        impersonating.ExitCode.ShouldNotBe(0);
        impersonating.Stderr.ShouldContain("cannot impersonate resource \"users\"");
        tooShort.ExitCode.ShouldNotBe(0);
        tooShort.Stderr.ShouldContain("may not specify a duration less than 10 minutes");
        forged.ExitCode.ShouldNotBe(0);
        forged.Stderr.ShouldContain("Unauthorized");

        k.KubectlOk("delete", "serviceaccount", "robot", "-n", "auth");
        var revoked = k.Kubectl("get", "pods", "-n", "auth", $"--token={token}");
        revoked.ExitCode.ShouldNotBe(0, "a deleted account's tokens are no longer accepted");
        revoked.Stderr.ShouldContain("Unauthorized");
    }

    [Fact]
    public void BindingTheBootstrapClusterAdminRole_GrantsEverything()
    {
        CanI("create", "deployments.apps", "-n", "default", "--as=bob").ShouldBe("no");

        k.KubectlOk("create", "clusterrolebinding", "bob-admin", "--clusterrole=cluster-admin", "--user=bob");

        CanI("create", "deployments.apps", "-n", "default", "--as=bob").ShouldBe("yes");
        CanI("*", "*", "--as=bob").ShouldBe("yes");
        CanI("get", "/healthz", "--as=bob").ShouldBe("yes");
    }
}
