using System.Buffers;
using System.Text;

namespace MoeOperator.DevCluster.Protobuf;

/// <summary>Writes the protobuf wire format: length-delimited strings and nested messages, varint booleans. Empty values are left out, as proto3 does.</summary>
internal sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public WireWriter String(int field, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            Bytes(field, Encoding.UTF8.GetBytes(value));
        }

        return this;
    }

    public WireWriter Bool(int field, bool value)
    {
        if (value)
        {
            Varint(((ulong)field << 3) | 0);
            Varint(1);
        }

        return this;
    }

    /// <summary>A varint field, written whatever its value (a JSON field that is present is kept, zero or not).</summary>
    public WireWriter Number(int field, long value)
    {
        Varint((ulong)field << 3);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A length-delimited field, written even when empty.</summary>
    public WireWriter Raw(int field, ReadOnlySpan<byte> bytes)
    {
        Varint(((ulong)field << 3) | 2);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>A nested message, built by <paramref name="build"/> (written even when empty: a set oneof or message field).</summary>
    public WireWriter Message(int field, Action<WireWriter> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var nested = new WireWriter();
        build(nested);
        Bytes(field, nested.ToArray());
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Bytes(int field, byte[] bytes) => Raw(field, bytes);

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.Write([(byte)(value | 0x80)]);
            value >>= 7;
        }

        _buffer.Write([(byte)value]);
    }
}
