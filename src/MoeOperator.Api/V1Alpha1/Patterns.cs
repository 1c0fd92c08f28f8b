namespace MoeOperator.Api.V1Alpha1;

/// <summary>Regular expressions shared by several fields; they become the schema's pattern keywords.</summary>
public static class Patterns
{
    /// <summary>A Go-style duration such as 30s, 5m or 1h30m, as metav1.Duration writes them.</summary>
    public const string Duration = @"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$";

    /// <summary>An absolute path without parent references.</summary>
    public const string AbsolutePath = @"^/([^/\x00]+/?)*$";

    /// <summary>A DNS-1123 label, the form of Kubernetes object names referenced here.</summary>
    public const string DnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
}
