using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header mapping
/// each name to its dtype, shape and [begin, end) byte offsets into the data that follows (plus optional
/// <c>__metadata__</c> of strings), padded with spaces to 8 bytes, then the raw little-endian tensor data.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<ScalarType, string> _names = new()
    {
        [ScalarType.Float64] = "F64",
        [ScalarType.Float32] = "F32",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float16] = "F16",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
    };

    /// <summary>Writes the tensors in the order given and flushes the file to disk.</summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        var header = new JsonObject { ["__metadata__"] = new JsonObject([.. metadata.Select(m => new KeyValuePair<string, JsonNode?>(m.Key, m.Value))]) };
        var offset = 0L;
        var dense = new List<Tensor>();
        try
        {
            foreach (var (name, tensor) in tensors)
            {
                var contiguous = tensor.detach().contiguous();
                dense.Add(contiguous);
                var size = contiguous.numel() * contiguous.ElementSize;
                header[name] = new JsonObject
                {
                    ["dtype"] = _names.TryGetValue(contiguous.dtype, out var dtype) ? dtype : throw new ArgumentException($"{name}: dtype {contiguous.dtype} has no safetensors name here", nameof(tensors)),
                    ["shape"] = new JsonArray([.. contiguous.shape.Select(d => (JsonNode)d)]),
                    ["data_offsets"] = new JsonArray(offset, offset + size),
                };
                offset += size;
            }

            var json = Encoding.UTF8.GetBytes(header.ToJsonString());
            var padded = (json.Length + 7) / 8 * 8;
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, padded);
            file.Write(length);
            file.Write(json);
            file.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
            foreach (var tensor in dense)
            {
                file.Write(tensor.bytes);
            }

            file.Flush(flushToDisk: true);
        }
        finally
        {
            dense.ForEach(t => t.Dispose());
        }
    }

    /// <summary>The entries and metadata of a file's header.</summary>
    /// <exception cref="InvalidDataException">The header is not valid safetensors.</exception>
    public static (IReadOnlyList<SafeTensorEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> length = stackalloc byte[8];
        file.ReadExactly(length);
        var size = BinaryPrimitives.ReadInt64LittleEndian(length);
        if (size < 2 || size > 100_000_000 || 8 + size > file.Length)
        {
            throw new InvalidDataException($"{path}: header length {size} does not fit a file of {file.Length} bytes");
        }

        var json = new byte[size];
        file.ReadExactly(json);
        var root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{path}: the header is not a JSON object");
        var entries = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__")
            {
                foreach (var (key, value) in node!.AsObject())
                {
                    metadata[key] = value!.GetValue<string>();
                }

                continue;
            }

            var offsets = node!["data_offsets"]!.AsArray();
            entries.Add(new SafeTensorEntry(name, node["dtype"]!.GetValue<string>(), [.. node["shape"]!.AsArray().Select(d => d!.GetValue<long>())], offsets[0]!.GetValue<long>(), offsets[1]!.GetValue<long>()));
        }

        return (entries, metadata, 8 + size);
    }

    /// <summary>Reads one entry's tensor.</summary>
    public static Tensor ReadTensor(string path, SafeTensorEntry entry, long dataStart)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var dtype = _names.FirstOrDefault(n => n.Value == entry.DType).Key;
        var tensor = empty(entry.Shape, dtype);
        var bytes = new byte[entry.End - entry.Begin];
        if (bytes.Length != tensor.numel() * tensor.ElementSize)
        {
            throw new InvalidDataException($"{path}: {entry.Name} spans {bytes.Length} bytes, its shape [{string.Join(", ", entry.Shape)}] of {entry.DType} needs {tensor.numel() * tensor.ElementSize}");
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        file.Position = dataStart + entry.Begin;
        file.ReadExactly(bytes);
        if (bytes.Length > 0)
        {
            tensor.bytes = bytes;
        }

        return tensor;
    }
}
