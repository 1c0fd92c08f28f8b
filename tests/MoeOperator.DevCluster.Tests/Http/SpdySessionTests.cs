using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using MoeOperator.DevCluster.Http.PortForward;

namespace MoeOperator.DevCluster.Tests.Http;

/// <summary>
/// The SPDY/3.1 server session on an in-memory connection, driven as a client would frame it, with header blocks
/// compressed by .NET's zlib (kubectl's own, dictionary-compressed blocks are covered by PortForwardTests).
/// </summary>
public sealed class SpdySessionTests
{
    [Fact]
    public async Task OpenedStreams_AreRepliedTo_CarryData_AndPingsAreEchoed()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        using var session = new SpdySession(new Duplex(toServer.Reader.AsStream(), toClient.Writer.AsStream()));
        var opened = new List<(string? Port, List<string> Received)>();
        var run = session.RunAsync(
            async stream =>
            {
                var received = new List<string>();
                lock (opened)
                {
                    opened.Add((stream.Header("port"), received));
                }

                while (await stream.ReadAsync(CancellationToken.None) is { } chunk)
                {
                    received.Add(Encoding.UTF8.GetString(chunk));
                }

                await stream.WriteAsync("bye"u8.ToArray(), CancellationToken.None);
                await stream.FinishAsync(CancellationToken.None);
            },
            CancellationToken.None);
        var client = toServer.Writer.AsStream();
        var fromServer = toClient.Reader.AsStream();
        using var headers = new ClientHeaders();

        await client.WriteAsync(SynStream(1, headers.Compress(("streamtype", "data"), ("port", "8080"), ("requestid", "0"))));
        var reply = await SpdyFrame.ReadAsync(fromServer, CancellationToken.None);
        await client.WriteAsync(SpdyFrame.Control(SpdyControlType.Ping, 0, [0, 0, 0, 7]));
        var pong = await SpdyFrame.ReadAsync(fromServer, CancellationToken.None);
        await client.WriteAsync(SpdyFrame.Data(1, 0, "hello "u8));
        await client.WriteAsync(SpdyFrame.Data(1, SpdyFrame.Fin, "world"u8));
        var answer = await SpdyFrame.ReadAsync(fromServer, CancellationToken.None);
        var finish = await SpdyFrame.ReadAsync(fromServer, CancellationToken.None);
        await client.WriteAsync(SpdyFrame.Control(SpdyControlType.GoAway, 0, new byte[8]));
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        reply!.IsControl.ShouldBeTrue();
        reply.Type.ShouldBe(SpdyControlType.SynReply);
        reply.ControlStreamId.ShouldBe(1);
        InflateAlone(reply.Payload.AsSpan(4)).ShouldBe(new byte[4], "an empty header block: zero name/value pairs, in a zlib stream any reader opens");
        pong!.Type.ShouldBe(SpdyControlType.Ping);
        pong.Payload.ShouldBe(new byte[] { 0, 0, 0, 7 }, "a ping is answered with its own id");
        opened.ShouldHaveSingleItem().Port.ShouldBe("8080");
        string.Concat(opened[0].Received).ShouldBe("hello world");
        (answer!.IsControl, answer.StreamId, Encoding.UTF8.GetString(answer.Payload), answer.Finishes).ShouldBe((false, 1, "bye", false));
        (finish!.StreamId, finish.Payload.Length, finish.Finishes).ShouldBe((1, 0, true));
    }

    [Fact]
    public async Task AnotherSpdyVersion_EndsTheSession()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        using var session = new SpdySession(new Duplex(toServer.Reader.AsStream(), toClient.Writer.AsStream()));
        var run = session.RunAsync(_ => Task.CompletedTask, CancellationToken.None);
        var version2Ping = SpdyFrame.Control(SpdyControlType.Ping, 0, [0, 0, 0, 1]);
        version2Ping[1] = 2;

        await toServer.Writer.AsStream().WriteAsync(version2Ping);

        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static byte[] SynStream(int id, byte[] block)
    {
        var payload = new byte[10 + block.Length];
        BinaryPrimitives.WriteInt32BigEndian(payload, id);
        block.CopyTo(payload, 10);
        return SpdyFrame.Control(SpdyControlType.SynStream, 0, payload);
    }

    private static byte[] InflateAlone(ReadOnlySpan<byte> block)
    {
        using var inflate = new ZLibStream(new MemoryStream(block.ToArray()), CompressionMode.Decompress);
        var bytes = new byte[4];
        inflate.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>A client's header compressor: one zlib stream, sync-flushed after each block.</summary>
    private sealed class ClientHeaders : IDisposable
    {
        private readonly MemoryStream _sink = new();
        private readonly ZLibStream _zlib;

        public ClientHeaders() => _zlib = new ZLibStream(_sink, CompressionLevel.Optimal, leaveOpen: true);

        public byte[] Compress(params (string Name, string Value)[] headers)
        {
            var block = new MemoryStream();
            Span<byte> number = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(number, headers.Length);
            block.Write(number);
            foreach (var (name, value) in headers)
            {
                foreach (var text in (string[])[name, value])
                {
                    BinaryPrimitives.WriteInt32BigEndian(number, text.Length);
                    block.Write(number);
                    block.Write(Encoding.ASCII.GetBytes(text));
                }
            }

            _zlib.Write(block.ToArray());
            _zlib.Flush();
            var compressed = _sink.ToArray();
            _sink.SetLength(0);
            return compressed;
        }

        public void Dispose()
        {
            _zlib.Dispose();
            _sink.Dispose();
        }
    }

    private sealed class Duplex(Stream read, Stream write) : Stream
    {
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => read.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => write.WriteAsync(buffer, offset, count, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => write.Flush();

        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
    }
}
