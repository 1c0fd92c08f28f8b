using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoeOperator.Contract.Data;

/// <summary>One shard of a token data set: little-endian token ids, documents separated by the end-of-text id.</summary>
/// <param name="File">The shard's file name, in the data set's directory.</param>
/// <param name="Tokens">Token ids in the file.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file.</param>
public sealed record TokenShard(string File, long Tokens, string Sha256);

/// <summary>
/// <c>index.json</c> of a token data set written by <c>moe data prepare</c> and read by <c>moe-worker train</c>. The
/// shards concatenated are one token stream; sample i of a run with sequence length S is tokens [i S, i S + S + 1)
/// (inputs and next-token labels), so a data set and a sequence length fix every sample's content.
/// </summary>
public sealed record TokenDatasetIndex
{
    public const string FileName = "index.json";
    public const string CurrentFormat = "moe-tokens/1";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public string Format { get; init; } = CurrentFormat;

    /// <summary>gpt2, cl100k or bytes.</summary>
    public required string Tokenizer { get; init; }

    /// <summary>Every id is below this.</summary>
    public required int VocabSize { get; init; }

    /// <summary>The id that ends each document.</summary>
    public required int EndOfText { get; init; }

    /// <summary>Bytes per token id: 2 (uint16) when the vocabulary fits, else 4 (uint32).</summary>
    public required int BytesPerToken { get; init; }

    public required long Documents { get; init; }

    public required IReadOnlyList<TokenShard> Shards { get; init; }

    [JsonIgnore]
    public long Tokens => Shards.Sum(s => s.Tokens);

    /// <summary>Samples of <paramref name="sequenceLength"/> tokens (each with one more for the last label).</summary>
    public long Samples(int sequenceLength) => Math.Max(0, (Tokens - 1) / sequenceLength);

    public string ToJson() => JsonSerializer.Serialize(this, _json);

    /// <exception cref="InvalidDataException">The file is not an index of a format this version reads.</exception>
    public static TokenDatasetIndex Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} does not exist: point the data location at a directory written by `moe data prepare`");
        }

        var index = JsonSerializer.Deserialize<TokenDatasetIndex>(File.ReadAllText(path), _json)
            ?? throw new InvalidDataException($"{path} is empty");
        return index.Format == CurrentFormat && index.BytesPerToken is 2 or 4
            ? index
            : throw new InvalidDataException($"{path}: format '{index.Format}' with {index.BytesPerToken}-byte tokens is not {CurrentFormat} with 2 or 4; prepare the data again with this version's `moe data prepare`");
    }
}
