using System.Text.RegularExpressions;

namespace MoeOperator.Api.Validation;

/// <summary>
/// What the API server requires of <c>metadata.name</c>, in apimachinery's words: most kinds (custom resources among
/// them) take an RFC 1123 subdomain of at most 253 characters, namespaces and services an RFC 1123 label of at most
/// 63, and the RBAC kinds any path segment (so <c>system:aggregate-to-view</c> is a name).
/// </summary>
public static partial class ObjectNames
{
    private const string Field = "metadata.name";
    private static readonly string[] _pathSegmentForbidden = ["/", "%"];

    /// <summary>The problems with a name of a resource of <paramref name="groupResource"/> (for example <c>services</c>, <c>epgroups.moe.dev</c>).</summary>
    public static List<FieldError> Check(string groupResource, string name) => groupResource switch
    {
        "namespaces" or "services" => Label(name),
        "roles.rbac.authorization.k8s.io" or "clusterroles.rbac.authorization.k8s.io" or "rolebindings.rbac.authorization.k8s.io" or "clusterrolebindings.rbac.authorization.k8s.io" => PathSegment(name),
        // Events are named by their reporters; the server does not check them.
        "events" or "events.events.k8s.io" => [],
        _ => Subdomain(name),
    };

    /// <summary>An RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters.</summary>
    public static List<FieldError> Subdomain(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var errors = new List<FieldError>();
        if (name.Length > 253)
        {
            errors.Add(Invalid(name, "must be no more than 253 characters"));
        }

        if (!SubdomainPattern().IsMatch(name))
        {
            errors.Add(Invalid(name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
        }

        return errors;
    }

    /// <summary>An RFC 1123 label: lower-case alphanumerics and '-', at most 63 characters.</summary>
    public static List<FieldError> Label(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var errors = new List<FieldError>();
        if (name.Length > 63)
        {
            errors.Add(Invalid(name, "must be no more than 63 characters"));
        }

        if (!LabelPattern().IsMatch(name))
        {
            // The two spaces are apimachinery's.
            errors.Add(Invalid(name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
        }

        return errors;
    }

    /// <summary>A path segment: anything but "." and "..", without '/' or '%'.</summary>
    public static List<FieldError> PathSegment(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name is "." or "..")
        {
            return [Invalid(name, $"may not be '{name}'")];
        }

        return [.. _pathSegmentForbidden.Where(c => name.Contains(c, StringComparison.Ordinal)).Select(c => Invalid(name, $"may not contain '{c}'"))];
    }

    // Go's %q of the value: quotes and backslashes escaped, printable characters (any script) kept.
    private static FieldError Invalid(string name, string detail) =>
        new(Field, FieldErrorType.Invalid, $"\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"", detail);

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z")]
    private static partial Regex SubdomainPattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex LabelPattern();
}
