using System.Text;
using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Tests.Kernels;

public sealed class NpyFileTests
{
    [Fact]
    public void Write_ProducesTheBytesNumPySaveWrites()
    {
        // np.save of np.arange(6, dtype=np.float32).reshape(2, 3): version 1.0, a 118-byte header padded with spaces
        // so the data starts at byte 128, then the values little-endian.
        const string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        var header = dict + new string(' ', 117 - dict.Length) + "\n";
        var expected = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 };
        expected.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var value in new float[] { 0, 1, 2, 3, 4, 5 })
        {
            expected.AddRange(BitConverter.GetBytes(value));
        }

        using var stream = new MemoryStream();
        NpyFile.Write(stream, NpyArray.Of(new float[] { 0, 1, 2, 3, 4, 5 }, 2, 3));

        stream.ToArray().ShouldBe([.. expected]);
    }

    [Theory]
    [InlineData(NpyType.Float32)]
    [InlineData(NpyType.Int32)]
    [InlineData(NpyType.Int64)]
    [InlineData(NpyType.UInt8)]
    public void WriteThenRead_KeepsTypeShapeAndValues(NpyType type)
    {
        NpyArray array = type switch
        {
            NpyType.Float32 => NpyArray.Of(new[] { 1.5f, -2f, float.NegativeInfinity }, 3),
            NpyType.Int32 => NpyArray.Of(new[] { 1, -1, int.MaxValue, 7 }, 2, 2),
            NpyType.Int64 => NpyArray.Of(new[] { -1L, long.MaxValue }, 1, 2, 1),
            _ => NpyArray.Of(new byte[] { 0, 0x7E, 0xFE, 0x80 }, 4),
        };
        using var stream = new MemoryStream();
        NpyFile.Write(stream, array);
        (stream.Length % 64).ShouldBe((array.Count * (type is NpyType.Int64 ? 8 : type is NpyType.UInt8 ? 1 : 4)) % 64, "data starts on a 64-byte boundary");
        stream.Position = 0;

        var back = NpyFile.Read(stream, "memory");

        back.Type.ShouldBe(type);
        back.Shape.ShouldBe(array.Shape);
        back.Data.ShouldBe(array.Data);
    }

    [Fact]
    public void Read_RefusesFortranOrderAndTypesItCannotHold()
    {
        Should.Throw<KernelInputException>(() => NpyFile.Read(Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16), "f.npy"))
            .Message.ShouldContain("Fortran order");
        Should.Throw<KernelInputException>(() => NpyFile.Read(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), "d.npy"))
            .Message.ShouldContain("holds <f8");
        Should.Throw<KernelInputException>(() => NpyFile.Read(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 8), "short.npy"))
            .Message.ShouldContain("ends after 8 data bytes");
        Should.Throw<KernelInputException>(() => NpyFile.Read(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", 8), "negative.npy"))
            .Message.ShouldContain("dimensions must be whole numbers >= 0");
        Should.Throw<KernelInputException>(() => NpyFile.Read(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", 8), "huge.npy"))
            .Message.ShouldContain("more than 2 GiB");
    }

    private static MemoryStream Npy(string dict, int dataBytes)
    {
        var header = dict + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[dataBytes]);
        return new MemoryStream([.. bytes]);
    }
}
