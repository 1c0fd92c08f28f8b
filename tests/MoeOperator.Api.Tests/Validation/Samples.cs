using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Testing;

namespace MoeOperator.Api.Tests.Validation;

/// <summary>The example resources shipped in crds/samples.</summary>
internal static class Samples
{
    public static string Directory => RepoPaths.Of("crds", "samples");

    public static IEnumerable<string> FileNames =>
        System.IO.Directory.EnumerateFiles(Directory, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public static JsonObject Load(string fileName) =>
        YamlDocuments.Parse(File.ReadAllText(Path.Combine(Directory, fileName))).ShouldHaveSingleItem();
}
