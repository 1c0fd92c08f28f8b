namespace MoeOperator.Testing;

/// <summary>A temporary directory that is removed with everything in it when the test ends.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public DirectoryInfo Info { get; } = Directory.CreateTempSubdirectory("moe-test-");

    public string Path(string name) => System.IO.Path.Combine(Info.FullName, name);

    public void Dispose() => Info.Delete(recursive: true);
}
