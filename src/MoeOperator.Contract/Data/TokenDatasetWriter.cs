using System.Security.Cryptography;

namespace MoeOperator.Contract.Data;

/// <summary>
/// Writes a token data set: documents appended (each followed by the end-of-text id) into shards of at most
/// <c>shardTokens</c> ids, then <c>index.json</c> last, so a directory with an index is complete.
/// </summary>
public sealed class TokenDatasetWriter(string directory, string tokenizer, int vocabSize, int endOfText, long shardTokens) : IDisposable
{
    private readonly int _bytesPerToken = vocabSize <= 65536 ? 2 : 4;
    private readonly List<TokenShard> _shards = [];
    private FileStream? _current;
    private IncrementalHash? _hash;
    private long _inCurrent;
    private long _documents;

    public void AddDocument(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        foreach (var token in tokens)
        {
            Write(token);
        }

        Write(endOfText);
        _documents++;
    }

    /// <summary>Closes the last shard and writes the index.</summary>
    public TokenDatasetIndex Complete()
    {
        Close();
        var index = new TokenDatasetIndex
        {
            Tokenizer = tokenizer,
            VocabSize = vocabSize,
            EndOfText = endOfText,
            BytesPerToken = _bytesPerToken,
            Documents = _documents,
            Shards = [.. _shards],
        };
        File.WriteAllText(Path.Combine(directory, TokenDatasetIndex.FileName), index.ToJson());
        return index;
    }

    private void Write(int token)
    {
        if (token < 0 || token >= vocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary of {vocabSize}");
        }

        if (_current is null)
        {
            Directory.CreateDirectory(directory);
            _current = new FileStream(Path.Combine(directory, $"shard-{_shards.Count:D5}.bin"), FileMode.Create, FileAccess.Write);
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        Span<byte> bytes = stackalloc byte[4];
        BitConverter.TryWriteBytes(bytes, token);
        var written = bytes[.._bytesPerToken];
        _current.Write(written);
        _hash!.AppendData(written);
        if (++_inCurrent == shardTokens)
        {
            Close();
        }
    }

    private void Close()
    {
        if (_current is null)
        {
            return;
        }

        _current.Flush(flushToDisk: true);
        _shards.Add(new TokenShard(Path.GetFileName(_current.Name), _inCurrent, Convert.ToHexStringLower(_hash!.GetHashAndReset())));
        _current.Dispose();
        _hash.Dispose();
        (_current, _hash, _inCurrent) = (null, null, 0);
    }

    public void Dispose()
    {
        _current?.Dispose();
        _hash?.Dispose();
    }
}
