using System.Text.Json;
using MoeOperator.Api.Schema;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;

namespace MoeOperator.Hosting;

/// <summary>
/// The node pool and local programs of <c>moe dev up</c>: a YAML file of <see cref="NodePoolSpec"/> fields
/// (nodes, gpusPerNode, rdmaPerNode, cpu, memory, nodesPerLeaf, leavesPerSpine, zones, nodesPerNvlinkDomain,
/// taints, labels), overridden by flags; and <c>IMAGE=COMMAND</c> pairs that run an image as a local program.
/// </summary>
internal static class DevClusterFlags
{
    private static readonly JsonSerializerOptions _json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    /// <summary>Reads a node-pool file; throws <see cref="ArgumentException"/> naming the file and the problem.</summary>
    public static NodePoolSpec ReadPool(string path)
    {
        try
        {
            var documents = YamlDocuments.Parse(File.ReadAllText(path));
            var spec = documents.Count == 0 ? new NodePoolSpec() : documents[0].Deserialize<NodePoolSpec>(_json) ?? new NodePoolSpec();
            return spec.Problem() is { } problem ? throw new ArgumentException($"--node-pool {path}: {problem}") : spec;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--node-pool {path}: {e.Message}", e);
        }
    }

    /// <summary>Parses <c>IMAGE=COMMAND ARGS...</c>; the image may omit its tag to match every tag.</summary>
    public static KeyValuePair<string, LocalProgram> ParseProgram(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var words = equals > 0 ? text[(equals + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (equals <= 0 || words.Length == 0)
        {
            throw new ArgumentException($"--program '{text}' must look like IMAGE=COMMAND, for example ghcr.io/acme/tool=/usr/local/bin/tool --serve");
        }

        return new(text[..equals], new LocalProgram(words[0], words[1..]));
    }
}
