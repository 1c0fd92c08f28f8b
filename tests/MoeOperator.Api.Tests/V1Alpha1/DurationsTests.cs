using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Api.Tests.V1Alpha1;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1_500)]
    public void Parse_GoDuration_GivesItsLength(string text, long milliseconds)
    {
        Durations.Parse(text).TotalMilliseconds.ShouldBe(milliseconds);
    }

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("-5s")]
    public void Parse_Malformed_SaysHowToWriteIt(string text)
    {
        Should.Throw<FormatException>(() => Durations.Parse(text)).Message.ShouldContain("30s, 5m or 1h30m");
    }

    [Fact]
    public void Parse_AcceptsExactlyWhatTheSchemaPatternAccepts()
    {
        foreach (var text in new[] { "1m", "2h", "10ms", "1h2m3s", "x", "1d", "m" })
        {
            var matches = System.Text.RegularExpressions.Regex.IsMatch(text, Patterns.Duration);
            bool parses;
            try
            {
                Durations.Parse(text);
                parses = true;
            }
            catch (FormatException)
            {
                parses = false;
            }

            parses.ShouldBe(matches, text);
        }
    }
}
