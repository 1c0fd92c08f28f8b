namespace MoeOperator.Contract.Data;

/// <summary>Reads samples from a prepared data set: sample i of sequence length S is tokens [i S, i S + S + 1) of the shards in order.</summary>
public sealed class TokenDataset : IDisposable
{
    private readonly TokenDatasetIndex _index;
    private readonly FileStream[] _files;
    private readonly long[] _starts;

    public TokenDataset(string directory)
    {
        _index = TokenDatasetIndex.Read(directory);
        _files = [.. _index.Shards.Select(s =>
        {
            var path = Path.Combine(directory, s.File);
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (file.Length != s.Tokens * _index.BytesPerToken)
            {
                file.Dispose();
                throw new InvalidDataException($"{path} holds {file.Length} bytes, the index says {s.Tokens} tokens of {_index.BytesPerToken} bytes: the data set is damaged; prepare it again");
            }

            return file;
        })];
        _starts = new long[_files.Length + 1];
        for (var i = 0; i < _files.Length; i++)
        {
            _starts[i + 1] = _starts[i] + _index.Shards[i].Tokens;
        }
    }

    public TokenDatasetIndex Index => _index;

    /// <summary>Tokens [start, start + count) of the stream, read shard by shard in one piece each.</summary>
    public long[] Read(long start, int count)
    {
        if (start < 0 || start + count > _starts[^1])
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"tokens {start}..{start + count} run past the data set's {_starts[^1]} tokens");
        }

        var tokens = new long[count];
        var done = 0;
        while (done < count)
        {
            var position = start + done;
            var shard = Array.FindLastIndex(_starts, s => s <= position);
            var take = (int)Math.Min(count - done, _starts[shard + 1] - position);
            var bytes = new byte[take * _index.BytesPerToken];
            var file = _files[shard];
            file.Position = (position - _starts[shard]) * _index.BytesPerToken;
            file.ReadExactly(bytes);
            for (var i = 0; i < take; i++)
            {
                tokens[done + i] = _index.BytesPerToken == 2 ? BitConverter.ToUInt16(bytes, 2 * i) : BitConverter.ToUInt32(bytes, 4 * i);
            }

            done += take;
        }

        return tokens;
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }
}
