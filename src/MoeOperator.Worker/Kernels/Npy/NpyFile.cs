using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MoeOperator.Worker.Kernels.Npy;

/// <summary>
/// Reads and writes NumPy's .npy format (versions 1.0 and 2.0; little-endian, C order), so a kernel can be fed from
/// and checked against anyone's NumPy or PyTorch code.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] _magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static string Describe(NpyType type) => type switch
    {
        NpyType.Float32 => "float32",
        NpyType.Int32 => "int32",
        NpyType.Int64 => "int64",
        _ => "uint8",
    };

    public static NpyArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static NpyArray Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        var magic = reader.ReadBytes(6);
        if (!magic.AsSpan().SequenceEqual(_magic))
        {
            throw new KernelInputException($"{source} is not a .npy file (no \\x93NUMPY magic)");
        }

        var major = reader.ReadByte();
        reader.ReadByte();
        var headerLength = major switch
        {
            1 => (int)reader.ReadUInt16(),
            2 or 3 => checked((int)reader.ReadUInt32()),
            _ => throw new KernelInputException($"{source} has .npy version {major}; versions 1 to 3 are read"),
        };
        var header = Encoding.Latin1.GetString(reader.ReadBytes(headerLength));
        var (type, shape) = ParseHeader(header, source);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var bytes = reader.ReadBytes(checked((int)(count * ElementSize(type))));
        if (bytes.Length != count * ElementSize(type))
        {
            throw new KernelInputException($"{source} ends after {bytes.Length} data bytes; its header promises {count * ElementSize(type)}");
        }

        Array data = type switch
        {
            NpyType.Float32 => new float[count],
            NpyType.Int32 => new int[count],
            NpyType.Int64 => new long[count],
            _ => new byte[count],
        };
        Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
        return new NpyArray(data, shape, type);
    }

    public static void Write(string path, NpyArray array)
    {
        using var stream = File.Create(path);
        Write(stream, array);
    }

    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        var shape = array.Shape.Length switch
        {
            0 => "()",
            1 => $"({array.Shape[0]},)",
            _ => $"({string.Join(", ", array.Shape)})",
        };
        var dict = $"{{'descr': '{Descr(array.Type)}', 'fortran_order': False, 'shape': {shape}, }}";
        // The header ends in a newline and is padded so the data starts at a multiple of 64 bytes.
        var unpadded = _magic.Length + 2 + 2 + dict.Length + 1;
        var header = dict + new string(' ', (64 - (unpadded % 64)) % 64) + "\n";
        using var writer = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
        writer.Write(_magic);
        writer.Write((byte)1);
        writer.Write((byte)0);
        writer.Write(checked((ushort)header.Length));
        writer.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[array.Count * ElementSize(array.Type)];
        Buffer.BlockCopy(array.Data, 0, bytes, 0, bytes.Length);
        writer.Write(bytes);
    }

    private static (NpyType Type, long[] Shape) ParseHeader(string header, string source)
    {
        var descr = DescrPattern().Match(header);
        var order = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shape.Success)
        {
            throw new KernelInputException($"{source} has a header NumPy would not write: {header.Trim()}");
        }

        if (order.Groups[1].Value == "True")
        {
            throw new KernelInputException($"{source} is in Fortran order; save it with np.ascontiguousarray first");
        }

        var type = descr.Groups[1].Value switch
        {
            "<f4" => NpyType.Float32,
            "<i4" => NpyType.Int32,
            "<i8" => NpyType.Int64,
            "|u1" or "<u1" => NpyType.UInt8,
            var other => throw new KernelInputException($"{source} holds {other}; the kernels read float32 (<f4), int32 (<i4), int64 (<i8) and uint8 (|u1)"),
        };
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
                : throw new KernelInputException($"{source} has shape ({shape.Groups[1].Value}); dimensions must be whole numbers >= 0"))
            .ToArray();
        // One .NET array holds the data, so it must stay below 2 GiB.
        if (dims.Aggregate(1.0, (a, d) => a * d) * ElementSize(type) > int.MaxValue)
        {
            throw new KernelInputException($"{source} holds more than 2 GiB ({shape.Groups[1].Value}); split it into smaller arrays");
        }

        return (type, dims);
    }

    private static string Descr(NpyType type) => type switch
    {
        NpyType.Float32 => "<f4",
        NpyType.Int32 => "<i4",
        NpyType.Int64 => "<i8",
        _ => "|u1",
    };

    private static int ElementSize(NpyType type) => type switch
    {
        NpyType.Float32 or NpyType.Int32 => 4,
        NpyType.Int64 => 8,
        _ => 1,
    };

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
