using System.Buffers.Binary;

namespace MoeOperator.Worker.Communication;

/// <summary>Length-prefixed messages on a stream: a 4-byte little-endian length, then the payload.</summary>
internal static class Frames
{
    /// <summary>Larger frames mean a corrupt or foreign stream, not a real message.</summary>
    public const int MaxLength = 1 << 30;

    public static async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        await stream.WriteAsync(header, cancellationToken);
        await stream.WriteAsync(payload, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>The next message, or null when the other side closed the stream cleanly before one began.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await FillAsync(stream, header, allowEnd: true, cancellationToken))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 0 or > MaxLength)
        {
            throw new InvalidDataException($"frame length {length} is out of range; the peer is not speaking this protocol");
        }

        var payload = new byte[length];
        await FillAsync(stream, payload, allowEnd: false, cancellationToken);
        return payload;
    }

    private static async Task<bool> FillAsync(Stream stream, byte[] buffer, bool allowEnd, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                if (allowEnd && filled == 0)
                {
                    return false;
                }

                throw new EndOfStreamException("the stream ended inside a frame");
            }

            filled += read;
        }

        return true;
    }
}
