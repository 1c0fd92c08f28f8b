namespace MoeOperator.Cli;

/// <summary>Expands <c>-f</c> arguments: a file as itself, a directory as its YAML files (recursively, in name order).</summary>
internal static class InputFiles
{
    public static IEnumerable<string> Expand(IEnumerable<FileSystemInfo> inputs)
    {
        foreach (var input in inputs)
        {
            if (input is DirectoryInfo { Exists: true } directory)
            {
                foreach (var file in directory.EnumerateFiles("*.y*ml", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal))
                {
                    yield return file.FullName;
                }
            }
            else if (File.Exists(input.FullName))
            {
                yield return input.FullName;
            }
            else
            {
                throw new FileNotFoundException($"{input} does not exist", input.FullName);
            }
        }
    }
}
