using System.Text;
using Microsoft.ML.Tokenizers;

namespace MoeOperator.Cli.Data;

/// <summary>A tokenizer `moe data prepare` can use: its ids, vocabulary size and end-of-text id.</summary>
internal sealed class TextTokenizer
{
    private readonly Func<string, IReadOnlyList<int>> _encode;

    private TextTokenizer(string name, int vocabSize, int endOfText, Func<string, IReadOnlyList<int>> encode)
    {
        (Name, VocabSize, EndOfText, _encode) = (name, vocabSize, endOfText, encode);
    }

    public static IReadOnlyList<string> Names { get; } = ["gpt2", "cl100k", "bytes"];

    public string Name { get; }

    public int VocabSize { get; }

    public int EndOfText { get; }

    public IReadOnlyList<int> Encode(string text) => _encode(text);

    /// <summary>The tokenizer called <paramref name="name"/>, or null when there is none.</summary>
    public static TextTokenizer? Create(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "bytes":
                // UTF-8 bytes, and 256 as the end of text.
                return new TextTokenizer("bytes", 257, 256, text => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)]);
            case "gpt2":
                return Tiktoken("gpt2", TiktokenTokenizer.CreateForModel("gpt2"));
            case "cl100k":
                return Tiktoken("cl100k", TiktokenTokenizer.CreateForEncoding("cl100k_base"));
            default:
                return null;
        }
    }

    private static TextTokenizer Tiktoken(string name, TiktokenTokenizer tokenizer)
    {
        var specials = tokenizer.SpecialTokens ?? new Dictionary<string, int>();
        var endOfText = specials.TryGetValue("<|endoftext|>", out var id) ? id : throw new InvalidOperationException($"{name} has no <|endoftext|> token");
        // Tiktoken's ranks are 0..N-1 with the special tokens after them, so the highest special id bounds every id.
        var vocabulary = specials.Values.Max() + 1;
        return new TextTokenizer(name, vocabulary, endOfText, text => tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true));
    }
}
