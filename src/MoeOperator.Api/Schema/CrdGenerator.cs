using k8s.Models;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Api.Schema;

/// <summary>Builds the CustomResourceDefinition of every kind from the C# types; <c>moe crds</c> writes them.</summary>
public static class CrdGenerator
{
    /// <summary>The CRD of one kind.</summary>
    public static V1CustomResourceDefinition Build(KindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var generator = new SchemaGenerator(XmlDocs.For(kind.Type.Assembly), ValidationRules.All);
        var spec = generator.ForObject(kind.SpecType, withDefaults: true);
        var status = generator.ForObject(kind.StatusType, withDefaults: false);
        var root = new V1JSONSchemaProps
        {
            Type = "object",
            Description = XmlDocs.For(kind.Type.Assembly).ForType(kind.Type),
            Required = ["spec"],
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["apiVersion"] = new() { Type = "string", Description = "APIVersion defines the versioned schema of this representation of an object." },
                ["kind"] = new() { Type = "string", Description = "Kind is a string value representing the REST resource this object represents." },
                ["metadata"] = new() { Type = "object" },
                ["spec"] = spec,
                ["status"] = status,
            },
        };
        // Rules that compare the spec with the status the object had (a change allowed only in some states).
        var rootRules = ValidationRules.All.Where(r => r.Target == kind.Type).Select(r => new V1ValidationRule { Rule = r.Rule, Message = r.Message, FieldPath = r.FieldPath }).ToList();
        root.XKubernetesValidations = rootRules.Count > 0 ? rootRules : null;

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta
            {
                Name = kind.CrdName,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "moe-operator" },
            },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = ApiGroup.Group,
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = kind.Kind,
                    ListKind = kind.Kind + "List",
                    Plural = kind.Plural,
                    Singular = kind.Singular,
                    ShortNames = [kind.ShortName],
                    Categories = [Kinds.Category],
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = ApiGroup.Version,
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
                        Subresources = new V1CustomResourceSubresources { Status = new Dictionary<string, object>() },
                        AdditionalPrinterColumns =
                        [
                            .. kind.Columns.Select(c => new V1CustomResourceColumnDefinition
                            {
                                Name = c.Name, Type = c.Type, JsonPath = c.JsonPath, Description = c.Description, Priority = c.Priority == 0 ? null : c.Priority,
                            }),
                            new V1CustomResourceColumnDefinition { Name = "Age", Type = "date", JsonPath = ".metadata.creationTimestamp" },
                        ],
                    },
                ],
            },
        };
    }

    /// <summary>The file name a kind's CRD is written to, as kubebuilder names them.</summary>
    public static string FileName(KindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return $"{ApiGroup.Group}_{kind.Plural}.yaml";
    }

    /// <summary>Every CRD as (file name, YAML text), in a stable order with stable content.</summary>
    public static IReadOnlyList<(string FileName, string Yaml)> RenderAll() =>
        [.. Kinds.All.Select(k => (FileName(k), YamlText.FromJson(k8s.KubernetesJson.Serialize(Build(k)))))];
}
