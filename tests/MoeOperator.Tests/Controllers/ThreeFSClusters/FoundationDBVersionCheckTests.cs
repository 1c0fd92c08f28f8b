using MoeOperator.Controllers.ThreeFSClusters;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

public sealed class FoundationDBVersionCheckTests
{
    private const string Cli73 = "FoundationDB CLI 7.3 (v7.3.63)\nsource version 4b8ba4fa2bc6c5e5d6c0a1d8e3b5c0b1\nprotocol fdb00b073000000\n";

    [Fact]
    public void TheSameRelease_Matches()
    {
        var (matches, message) = FoundationDBVersionCheck.Evaluate(Cli73, "7.3.63");

        matches.ShouldBeTrue();
        message.ShouldBe("the 3FS image's FoundationDB client 7.3.63 matches the server version");
    }

    [Fact]
    public void AnotherRelease_IsAMismatch_ThatSaysBothVersionsAndTheFix()
    {
        var (matches, message) = FoundationDBVersionCheck.Evaluate(Cli73, "7.1.61");

        matches.ShouldBeFalse();
        message.ShouldStartWith("the 3FS image's FoundationDB client is 7.3.63 but spec.foundationDB.version is 7.1.61: a client must match its server");
    }

    [Fact]
    public void OutputWithoutAVersion_IsReportedAsItWas()
    {
        var (matches, message) = FoundationDBVersionCheck.Evaluate("sh: fdbcli: not found\n", "7.3.63");

        matches.ShouldBeFalse();
        message.ShouldBe("could not read the 3FS image's FoundationDB client version from `fdbcli --version` (it printed: sh: fdbcli: not found)");
    }
}
