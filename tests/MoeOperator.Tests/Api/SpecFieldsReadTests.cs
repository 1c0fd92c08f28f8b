using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers;

namespace MoeOperator.Tests.Api;

/// <summary>
/// Every spec field of a kind the operator reconciles is read by the operator: the field's getter is referenced from
/// the operator's compiled code. A field that is accepted and never read tells the user it does something when it
/// does not; such a field is implemented or removed from the API.
/// </summary>
public sealed class SpecFieldsReadTests
{
    public static TheoryData<string> Kinds => [nameof(EPGroupSpec), nameof(ThreeFSClusterSpec), nameof(TrainingJobSpec)];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EverySpecField_IsReadByTheOperator(string specType)
    {
        var root = typeof(EPGroupSpec).Assembly.GetType($"{typeof(EPGroupSpec).Namespace}.{specType}")!;
        var read = GettersReferencedBy(typeof(KindModules).Assembly);

        var unread = Fields(root, "spec").Where(f => !read.Contains((f.Property.DeclaringType!.FullName!, f.Property.GetMethod!.Name))).Select(f => f.Path).ToList();

        unread.ShouldBeEmpty($"{specType} fields no operator code reads; implement them or remove them from v1alpha1");
    }

    [Fact]
    public void TheWalk_FindsAFieldOnlyTheApiReads()
    {
        // The check can fail: a property the operator never touches is reported. Every kind's spec is read now, so
        // the probe is a type the operator cannot know.
        var read = GettersReferencedBy(typeof(KindModules).Assembly);
        Fields(typeof(UnreadProbe), "spec").Where(f => !read.Contains((f.Property.DeclaringType!.FullName!, f.Property.GetMethod!.Name)))
            .Select(f => f.Path).ShouldBe(["spec.field"]);
    }

    private sealed record UnreadProbe
    {
        public int Field { get; set; }
    }

    // The JSON paths of a spec type's fields, as users spell them, and the property behind each.
    private static IEnumerable<(string Path, PropertyInfo Property)> Fields(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.CanWrite))
        {
            var path = $"{prefix}.{char.ToLowerInvariant(property.Name[0])}{property.Name[1..]}";
            yield return (path, property);
            var inner = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (inner.IsGenericType && inner.GetGenericTypeDefinition() == typeof(List<>))
            {
                inner = inner.GetGenericArguments()[0];
            }

            if (inner.IsClass && inner.Namespace == type.Namespace)
            {
                foreach (var field in Fields(inner, path))
                {
                    yield return field;
                }
            }
        }
    }

    // The property getters an assembly's code calls on types of other assemblies (its member references).
    private static HashSet<(string Type, string Getter)> GettersReferencedBy(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var found = new HashSet<(string, string)>();
        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            var name = metadata.GetString(member.Name);
            if (name.StartsWith("get_", StringComparison.Ordinal) && member.Parent.Kind == HandleKind.TypeReference)
            {
                var type = metadata.GetTypeReference((TypeReferenceHandle)member.Parent);
                found.Add(($"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}", name));
            }
        }

        return found;
    }
}
