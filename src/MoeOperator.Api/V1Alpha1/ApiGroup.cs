namespace MoeOperator.Api.V1Alpha1;

/// <summary>The API group and version every custom resource of this project is served under.</summary>
public static class ApiGroup
{
    /// <summary>The API group.</summary>
    public const string Group = "moe.dev";

    /// <summary>The served and stored version.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The apiVersion field of every object in this group.</summary>
    public const string ApiVersion = Group + "/" + Version;
}
