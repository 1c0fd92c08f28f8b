using System.Security.Cryptography;
using MoeOperator.Cli;
using MoeOperator.Contract.Data;

namespace MoeOperator.Tests.Cli;

public sealed class DataPrepareTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moe-data-").FullName;

    private string Input(params (string Name, string Text)[] files)
    {
        var input = Path.Combine(_root, "input");
        foreach (var (name, text) in files)
        {
            var path = Path.Combine(input, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        return input;
    }

    private static (int Code, string Output, string Errors) Prepare(string input, string output, string tokenizer = "gpt2", long shardTokens = 1 << 20)
    {
        var (console, errors) = (new StringWriter(), new StringWriter());
        var code = DataCommand.Prepare(input, output, tokenizer, shardTokens, console, errors);
        return (code, console.ToString(), errors.ToString());
    }

    private static long[] Tokens(string directory)
    {
        using var dataset = new TokenDataset(directory);
        return dataset.Read(0, (int)dataset.Index.Tokens);
    }

    [Fact]
    public void Gpt2_EncodesAsTiktokenDoes_AndEndsEachDocumentWithEndOfText()
    {
        // The ids tiktoken's gpt2 encoding gives these texts (openai/tiktoken, `tiktoken.get_encoding("gpt2").encode(...)`).
        var input = Input(("a.txt", "The quick brown fox jumps over the lazy dog."), ("b.jsonl", "{\"text\":\"Hello world\"}\n\n{\"text\":\"Hello world\"}\n"));
        var output = Path.Combine(_root, "out");

        var (code, console, errors) = Prepare(input, output);

        code.ShouldBe(0, errors);
        console.ShouldContain("3 documents");
        Tokens(output).ShouldBe([464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 50256, 15496, 995, 50256, 15496, 995, 50256]);
        var index = TokenDatasetIndex.Read(output);
        (index.Tokenizer, index.VocabSize, index.EndOfText, index.BytesPerToken, index.Documents).ShouldBe(("gpt2", 50257, 50256, 2, 3L));
    }

    [Fact]
    public void Shards_SplitTheStreamAtTheGivenSize_EachWithItsHash_AndSamplesReadAcrossThem()
    {
        var input = Input(("x.txt", "abcdefghij"), ("y.txt", "klmnop"));
        var output = Path.Combine(_root, "bytes");

        Prepare(input, output, "bytes", shardTokens: 4).Code.ShouldBe(0);

        var index = TokenDatasetIndex.Read(output);
        index.Shards.Select(s => s.Tokens).ShouldBe([4L, 4L, 4L, 4L, 2L], "18 ids (16 bytes and two ends of text) in shards of 4");
        foreach (var shard in index.Shards)
        {
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(output, shard.File)))).ShouldBe(shard.Sha256);
        }

        Tokens(output).ShouldBe([.. "abcdefghij".Select(c => (long)c), 256, .. "klmnop".Select(c => (long)c), 256]);
        using var dataset = new TokenDataset(output);
        index.Samples(4).ShouldBe(4, "(18 - 1) / 4 samples of 4 tokens and a label");
        dataset.Read(3 * 4, 5).ShouldBe([.. "lmnop".Select(c => (long)c)], "the last sample (tokens 12..16) crosses into the last shard");
    }

    [Fact]
    public void Cl100k_UsesFourByteIds()
    {
        var output = Path.Combine(_root, "cl");
        Prepare(Input(("a.txt", "Hello world")), output, "cl100k").Code.ShouldBe(0);
        var index = TokenDatasetIndex.Read(output);
        (index.VocabSize, index.EndOfText, index.BytesPerToken).ShouldBe((100277, 100257, 4));
        Tokens(output).ShouldBe([9906, 1917, 100257], "tiktoken's cl100k_base ids for \"Hello world\"");
    }

    [Fact]
    public void RefusesToOverwrite_UnknownTokenizers_AndBadLines_NamingTheProblem()
    {
        var input = Input(("a.txt", "text"));
        var output = Path.Combine(_root, "taken");
        Prepare(input, output).Code.ShouldBe(0);
        var before = File.ReadAllText(Path.Combine(output, TokenDatasetIndex.FileName));

        var again = Prepare(input, output);
        again.Code.ShouldBe(1);
        again.Errors.ShouldContain("--output");
        again.Errors.ShouldContain("is not empty");
        File.ReadAllText(Path.Combine(output, TokenDatasetIndex.FileName)).ShouldBe(before, "the existing data set is untouched");

        var unknown = Prepare(input, Path.Combine(_root, "u"), "llama");
        unknown.Code.ShouldBe(2);
        unknown.Errors.ShouldContain("--tokenizer llama is not known; use gpt2, cl100k, bytes");

        var bad = Prepare(Input(("bad.jsonl", "{\"body\":\"x\"}\n")), Path.Combine(_root, "bad"));
        bad.Code.ShouldBe(1);
        bad.Errors.ShouldContain("bad.jsonl:1: a .jsonl line needs a string field \"text\"");
        Directory.Exists(Path.Combine(_root, "bad")).ShouldBeFalse("a failed run leaves nothing behind");
        Directory.GetDirectories(_root).ShouldNotContain(d => d.Contains(".partial-", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
