using System.Buffers.Binary;

namespace MoeOperator.DevCluster.Http.PortForward;

/// <summary>The SPDY/3 control frame types this server reads or writes.</summary>
internal enum SpdyControlType : ushort
{
    SynStream = 1,
    SynReply = 2,
    RstStream = 3,
    Settings = 4,
    Ping = 6,
    GoAway = 7,
    Headers = 8,
    WindowUpdate = 9,
}

/// <summary>
/// One SPDY/3 frame as read off the wire: a control frame (its type) or a data frame (its stream), with flags and
/// payload. FLAG_FIN (1) on a data frame or SYN_STREAM ends the sender's half of the stream.
/// </summary>
internal sealed record SpdyFrame(bool IsControl, SpdyControlType Type, int StreamId, byte Flags, byte[] Payload)
{
    public const byte Fin = 0x01;
    public const int Version = 3;

    /// <summary>Most a data frame carries here; the length field allows 16 MiB, peers buffer far less.</summary>
    public const int MaxData = 32 * 1024;

    public bool Finishes => (Flags & Fin) != 0;

    /// <summary>The next frame, or null at the end of the connection.</summary>
    public static async Task<SpdyFrame?> ReadAsync(Stream stream, CancellationToken token)
    {
        var head = new byte[8];
        if (!await FillAsync(stream, head, token))
        {
            return null;
        }

        var length = (head[5] << 16) | (head[6] << 8) | head[7];
        var payload = new byte[length];
        if (!await FillAsync(stream, payload, token))
        {
            throw new EndOfStreamException("the connection ended inside a SPDY frame");
        }

        var first = BinaryPrimitives.ReadUInt32BigEndian(head);
        if ((first & 0x80000000) == 0)
        {
            return new SpdyFrame(false, default, (int)(first & 0x7FFFFFFF), head[4], payload);
        }

        var version = (first >> 16) & 0x7FFF;
        if (version != Version)
        {
            throw new InvalidDataException($"SPDY version {version} is not served; this server speaks SPDY/3.1");
        }

        return new SpdyFrame(true, (SpdyControlType)(first & 0xFFFF), 0, head[4], payload);
    }

    public static byte[] Control(SpdyControlType type, byte flags, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, 0x80000000 | ((uint)Version << 16) | (uint)type);
        WriteFlagsAndLength(frame, flags, payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        return frame;
    }

    public static byte[] Data(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, streamId & 0x7FFFFFFF);
        WriteFlagsAndLength(frame, flags, payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        return frame;
    }

    /// <summary>The stream id that opens a SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS or WINDOW_UPDATE payload.</summary>
    public int ControlStreamId => BinaryPrimitives.ReadInt32BigEndian(Payload) & 0x7FFFFFFF;

    private static void WriteFlagsAndLength(byte[] frame, byte flags, int length)
    {
        frame[4] = flags;
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }

    private static async Task<bool> FillAsync(Stream stream, byte[] buffer, CancellationToken token)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), token);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
