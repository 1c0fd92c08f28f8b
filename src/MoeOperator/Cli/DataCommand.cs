using System.CommandLine;
using MoeOperator.Cli.Data;

namespace MoeOperator.Cli;

/// <summary><c>moe data prepare</c>: text to the token shards a TrainingJob reads.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "A text file, a .jsonl file (field \"text\"), or a directory of them", Required = true };
        var output = new Option<string>("--output") { Description = "A new or empty directory for index.json and the shards", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "gpt2, cl100k or bytes", DefaultValueFactory = _ => "gpt2" };
        var shardTokens = new Option<long>("--shard-tokens") { Description = "Token ids per shard file", DefaultValueFactory = _ => 16L << 20 };
        var prepare = new Command("prepare", "Tokenize text into token shards with an index, for a TrainingJob's data") { input, output, tokenizer, shardTokens };
        prepare.SetAction(result => Prepare(result.GetValue(input)!, result.GetValue(output)!, result.GetValue(tokenizer)!, result.GetValue(shardTokens), Console.Out, Console.Error));
        return new Command("data", "Prepare training data") { prepare };
    }

    internal static int Prepare(string input, string output, string tokenizerName, long shardTokens, TextWriter console, TextWriter errors)
    {
        if (TextTokenizer.Create(tokenizerName) is not { } tokenizer)
        {
            errors.WriteLine($"moe data prepare: --tokenizer {tokenizerName} is not known; use {string.Join(", ", TextTokenizer.Names)}");
            return 2;
        }

        if (shardTokens < 1)
        {
            errors.WriteLine("moe data prepare: --shard-tokens must be at least 1");
            return 2;
        }

        try
        {
            var prepared = DataPreparation.Prepare(input, output, tokenizer, shardTokens);
            var index = prepared.Index;
            console.WriteLine($"{prepared.Directory}: {index.Documents} documents, {index.Tokens} {tokenizer.Name} tokens (vocabulary {index.VocabSize}, {index.BytesPerToken}-byte ids) in {index.Shards.Count} shards");
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"moe data prepare: {e.Message}");
            return 1;
        }
    }
}
