using System.Text.Json;
using MoeOperator.Contract.Data;

namespace MoeOperator.Cli.Data;

/// <summary>What `moe data prepare` wrote.</summary>
internal sealed record PreparedData(string Directory, TokenDatasetIndex Index);

/// <summary>
/// Turns text into a token data set: every file under the input is one document (a <c>.jsonl</c> file: each line's
/// <c>text</c> field is one), in ordinal path order so the data set is the same on every machine; written into a
/// temporary directory beside the output and renamed into place, so a failed run leaves nothing half-written.
/// </summary>
internal static class DataPreparation
{
    /// <exception cref="InvalidDataException">The input or output cannot be used; the message says why.</exception>
    public static PreparedData Prepare(string input, string output, TextTokenizer tokenizer, long shardTokens)
    {
        var files = File.Exists(input) ? [Path.GetFullPath(input)]
            : Directory.Exists(input) ? Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(input, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                .Order(StringComparer.Ordinal).ToList()
            : throw new InvalidDataException($"--input {input} is neither a file nor a directory");
        if (files.Count == 0)
        {
            throw new InvalidDataException($"--input {input} holds no files");
        }

        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            throw new InvalidDataException($"--output {output} is not empty; choose a new directory (a prepared data set is never overwritten)");
        }

        var partial = $"{Path.TrimEndingDirectorySeparator(Path.GetFullPath(output))}.partial-{Environment.ProcessId}";
        try
        {
            TokenDatasetIndex index;
            using (var writer = new TokenDatasetWriter(partial, tokenizer.Name, tokenizer.VocabSize, tokenizer.EndOfText, shardTokens))
            {
                foreach (var file in files)
                {
                    foreach (var document in Documents(file))
                    {
                        writer.AddDocument(tokenizer.Encode(document));
                    }
                }

                index = writer.Complete();
            }

            if (Directory.Exists(output))
            {
                Directory.Delete(output);
            }

            Directory.Move(partial, output);
            return new PreparedData(output, index);
        }
        finally
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }
    }

    private static IEnumerable<string> Documents(string file)
    {
        if (!file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            yield return File.ReadAllText(file);
            yield break;
        }

        var number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string? text;
            try
            {
                text = JsonDocument.Parse(line).RootElement.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{file}:{number}: not a JSON line ({e.Message})");
            }

            yield return text ?? throw new InvalidDataException($"{file}:{number}: a .jsonl line needs a string field \"text\"");
        }
    }
}
