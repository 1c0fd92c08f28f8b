using System.Text.RegularExpressions;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Whether the 3FS image's FoundationDB client (what <c>fdbcli --version</c> prints, for example
/// <c>FoundationDB CLI 7.3 (v7.3.63)</c>) matches spec.foundationDB.version: a client of another version cannot talk
/// to the server, and init-cluster then hangs instead of failing.
/// </summary>
internal static partial class FoundationDBVersionCheck
{
    public static (bool Matches, string Message) Evaluate(string output, string serverVersion)
    {
        ArgumentNullException.ThrowIfNull(output);
        var match = VersionPattern().Match(output);
        if (!match.Success)
        {
            var first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(nothing)";
            return (false, $"could not read the 3FS image's FoundationDB client version from `fdbcli --version` (it printed: {first})");
        }

        var client = match.Groups[1].Value;
        return client == serverVersion
            ? (true, $"the 3FS image's FoundationDB client {client} matches the server version")
            : (false, $"the 3FS image's FoundationDB client is {client} but spec.foundationDB.version is {serverVersion}: a client must match its server; use a 3FS image built with libfdb_c {serverVersion} (then delete the check-fdb-version Job) or correct spec.foundationDB.version");
    }

    [GeneratedRegex(@"\(v(\d+\.\d+\.\d+)\)")]
    private static partial Regex VersionPattern();
}
