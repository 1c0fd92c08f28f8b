namespace MoeOperator.Testing;

/// <summary>Finds the repository's files from a test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MoeOperator.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no MoeOperator.slnx above {AppContext.BaseDirectory}");
    }
}
