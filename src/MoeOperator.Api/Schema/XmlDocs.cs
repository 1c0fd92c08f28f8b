using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MoeOperator.Api.Schema;

/// <summary>Reads the one-line summaries of the compiler's XML documentation file; they become schema descriptions.</summary>
internal sealed partial class XmlDocs
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>Loads the documentation file the build writes beside the assembly.</summary>
    public static XmlDocs For(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"XML documentation '{path}' is missing; build {assembly.GetName().Name} with GenerateDocumentationFile=true", path);
        }

        var summaries = XDocument.Load(path).Descendants("member")
            .Where(m => m.Element("summary") is not null)
            .ToDictionary(m => (string)m.Attribute("name")!, m => Flatten(m.Element("summary")!));
        return new XmlDocs(summaries);
    }

    public string? ForType(Type type) => _summaries.GetValueOrDefault("T:" + type.FullName);

    public string? ForProperty(PropertyInfo property) =>
        _summaries.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    // <c>x</c> and <see cref="T:A.B"/> become plain text; the whitespace of the source layout collapses to single spaces.
    private static string Flatten(XElement summary)
    {
        var text = string.Concat(summary.Nodes().Select(n => n switch
        {
            XElement { Name.LocalName: "see" } see => ((string?)see.Attribute("cref") ?? "").Split('.')[^1],
            XElement element => element.Value,
            _ => n.ToString(),
        }));
        return Whitespace().Replace(System.Net.WebUtility.HtmlDecode(text), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
