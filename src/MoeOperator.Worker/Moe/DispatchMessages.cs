using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// The bytes of dispatch and combine. Dispatch: entry count, then per entry the token index, the slot count, each
/// (slot, weight), and the token's hidden state (float32). Combine: one hidden row (float32) per received entry,
/// in the order received.
/// </summary>
public static class DispatchMessages
{
    public static byte[] EncodeDispatch(IReadOnlyList<DispatchEntry> entries, ReadOnlySpan<float> tokens, int hidden)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var size = 4 + entries.Sum(e => 8 + (8 * e.Slots.Length) + (4 * hidden));
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, entries.Count);
        var at = 4;
        foreach (var entry in entries)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], entry.Token);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4)..], entry.Slots.Length);
            at += 8;
            for (var i = 0; i < entry.Slots.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], entry.Slots[i]);
                BinaryPrimitives.WriteSingleLittleEndian(span[(at + 4)..], entry.Weights[i]);
                at += 8;
            }

            MemoryMarshal.AsBytes(tokens.Slice(entry.Token * hidden, hidden)).CopyTo(span[at..]);
            at += 4 * hidden;
        }

        return bytes;
    }

    /// <summary>The entries (token indices are the sender's) and their hidden rows, [entries, hidden].</summary>
    public static (DispatchEntry[] Entries, float[] Rows) DecodeDispatch(byte[] bytes, int hidden)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var span = bytes.AsSpan();
        var count = BinaryPrimitives.ReadInt32LittleEndian(span);
        var entries = new DispatchEntry[count];
        var rows = new float[count * hidden];
        var at = 4;
        for (var e = 0; e < count; e++)
        {
            var token = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            var slots = new int[BinaryPrimitives.ReadInt32LittleEndian(span[(at + 4)..])];
            var weights = new float[slots.Length];
            at += 8;
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
                weights[i] = BinaryPrimitives.ReadSingleLittleEndian(span[(at + 4)..]);
                at += 8;
            }

            MemoryMarshal.Cast<byte, float>(span.Slice(at, 4 * hidden)).CopyTo(rows.AsSpan(e * hidden));
            at += 4 * hidden;
            entries[e] = new DispatchEntry(token, slots, weights);
        }

        return (entries, rows);
    }

    public static byte[] EncodeRows(ReadOnlySpan<float> rows) => MemoryMarshal.AsBytes(rows).ToArray();

    public static float[] DecodeRows(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
