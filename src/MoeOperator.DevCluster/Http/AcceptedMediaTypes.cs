namespace MoeOperator.DevCluster.Http;

/// <summary>
/// What an Accept header asks for, as far as choosing between JSON and protobuf goes: protobuf is answered when it
/// is the first media type listed (kubectl and client-go list it before JSON when they want it), JSON whenever it,
/// <c>application/*</c> or <c>*/*</c> is listed, or nothing is. Types with parameters (<c>as=Table</c>, aggregated
/// discovery) are negotiated where they are served, not here.
/// </summary>
internal sealed record AcceptedMediaTypes(bool PrefersProtobuf, bool AcceptsJson)
{
    public static AcceptedMediaTypes Of(string? accept)
    {
        var types = (accept ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.Split(';', 2, StringSplitOptions.TrimEntries))
            .Select(t => (Type: t[0].ToLowerInvariant(), Plain: t.Length == 1 || !t[1].Contains("as=", StringComparison.Ordinal)))
            .ToList();
        var prefersProtobuf = types is [{ Type: Protobuf.ProtobufResponses.MediaType, Plain: true }, ..];
        var acceptsJson = types.Count == 0 || types.Any(t => t.Plain && t.Type is "application/json" or "application/*" or "*/*");
        return new AcceptedMediaTypes(prefersProtobuf, acceptsJson);
    }
}
