using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MoeOperator.DevCluster.Http.PortForward;

/// <summary>
/// SPDY/3 header blocks: a 4-byte count of name/value pairs, each name and value 4-byte-length-prefixed (a value
/// holding several values separated by NUL), the whole zlib-compressed as one stream per direction and connection,
/// each block ending in a sync flush so the peer can read it at once.
/// </summary>
internal static class SpdyHeaderBlocks
{
    public static byte[] Encode(IReadOnlyList<(string Name, string Value)> headers)
    {
        using var block = new MemoryStream();
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, headers.Count);
        block.Write(number);
        foreach (var (name, value) in headers)
        {
            foreach (var text in (string[])[name.ToLowerInvariant(), value])
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BinaryPrimitives.WriteInt32BigEndian(number, bytes.Length);
                block.Write(number);
                block.Write(bytes);
            }
        }

        return block.ToArray();
    }
}

/// <summary>
/// Inflates the header blocks one peer sends on a connection. The peer compressed them against
/// <see cref="SpdyHeaderDictionary"/>; .NET's inflater takes no preset dictionary, but a dictionary is only the
/// window's starting content, so a stored deflate block holding it is fed first and its bytes are skipped.
/// </summary>
internal sealed class SpdyHeaderInflater : IDisposable
{
    private const int MaxValueLength = 1 << 20;
    private readonly ChunkFeed _feed = new();
    private DeflateStream? _inflate;

    /// <summary>The name/value pairs of the next block, whose compressed bytes are <paramref name="compressed"/>.</summary>
    public List<(string Name, string Value)> Read(ReadOnlySpan<byte> compressed)
    {
        if (_inflate is null)
        {
            _inflate = new DeflateStream(_feed, CompressionMode.Decompress);
            compressed = Start(compressed);
        }

        _feed.Add(compressed.ToArray());
        var count = ReadInt32();
        var headers = new List<(string, string)>(Math.Min(count, 64));
        for (var i = 0; i < count; i++)
        {
            var name = ReadString();
            var value = ReadString();
            headers.Add((name, value));
        }

        return headers;
    }

    // The zlib header: CMF, FLG and, when FLG's FDICT bit is set, the dictionary's Adler-32, which must be ours.
    private ReadOnlySpan<byte> Start(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length < 2 || (compressed[0] & 0x0F) != 8 || ((compressed[0] << 8) | compressed[1]) % 31 != 0)
        {
            throw new InvalidDataException("the first header block does not start a zlib stream");
        }

        if ((compressed[1] & 0x20) == 0)
        {
            return compressed[2..];
        }

        if (compressed.Length < 6 || BinaryPrimitives.ReadUInt32BigEndian(compressed[2..6]) != Adler32(SpdyHeaderDictionary.Bytes))
        {
            throw new InvalidDataException("the header blocks are compressed against a dictionary other than SPDY/3's");
        }

        var dictionary = SpdyHeaderDictionary.Bytes;
        var stored = new byte[5 + dictionary.Length];
        stored[0] = 0; // not the last block; stored
        BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(1), (ushort)dictionary.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(3), (ushort)~dictionary.Length);
        dictionary.CopyTo(stored, 5);
        _feed.Add(stored);
        ReadExactly(new byte[dictionary.Length]);
        return compressed[6..];
    }

    private int ReadInt32()
    {
        var bytes = new byte[4];
        ReadExactly(bytes);
        var value = BinaryPrimitives.ReadInt32BigEndian(bytes);
        return value is >= 0 and <= MaxValueLength ? value : throw new InvalidDataException($"a header block length of {value} is out of range");
    }

    private string ReadString()
    {
        var bytes = new byte[ReadInt32()];
        ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private void ReadExactly(byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _inflate!.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                throw new InvalidDataException("a header block ended before its name/value pairs did");
            }

            read += n;
        }
    }

    internal static uint Adler32(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        foreach (var x in data)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }

        return (b << 16) | a;
    }

    public void Dispose()
    {
        _inflate?.Dispose();
        _feed.Dispose();
    }

    /// <summary>The compressed bytes received so far and not yet inflated; empty reads as "nothing more yet".</summary>
    private sealed class ChunkFeed : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public void Add(byte[] chunk) => _chunks.Enqueue(chunk);

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_chunks.Count > 0 && _offset == _chunks.Peek().Length)
            {
                _chunks.Dequeue();
                _offset = 0;
            }

            if (_chunks.Count == 0)
            {
                return 0;
            }

            var chunk = _chunks.Peek();
            var n = Math.Min(count, chunk.Length - _offset);
            Array.Copy(chunk, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// Compresses the header blocks this side sends: one zlib stream for the connection, sync-flushed after each block.
/// No preset dictionary (the zlib header says so), which every SPDY/3 reader accepts.
/// </summary>
internal sealed class SpdyHeaderDeflater : IDisposable
{
    private readonly MemoryStream _output = new();
    private readonly ZLibStream _deflate;

    public SpdyHeaderDeflater() => _deflate = new ZLibStream(_output, CompressionLevel.Fastest, leaveOpen: true);

    public byte[] Compress(IReadOnlyList<(string Name, string Value)> headers)
    {
        _deflate.Write(SpdyHeaderBlocks.Encode(headers));
        _deflate.Flush();
        var compressed = _output.ToArray();
        _output.SetLength(0);
        return compressed;
    }

    public void Dispose()
    {
        _deflate.Dispose();
        _output.Dispose();
    }
}
