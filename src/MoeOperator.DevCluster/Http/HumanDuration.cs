using System.Globalization;

namespace MoeOperator.DevCluster.Http;

/// <summary>Ages as kubectl shows them (5s, 3m20s, 2h, 4d5h), following apimachinery's duration.HumanDuration.</summary>
internal static class HumanDuration
{
    public static string Format(TimeSpan age)
    {
        var seconds = (long)age.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return $"{seconds}s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }

        if (minutes < 180)
        {
            return $"{minutes}m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        var days = hours / 24;
        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{days}d" : $"{days}d{hours % 24}h";
        }

        if (days < 365 * 2)
        {
            return $"{days}d";
        }

        var years = days / 365;
        return days < 365 * 8 && days % 365 != 0 ? $"{years}y{days % 365}d" : string.Create(CultureInfo.InvariantCulture, $"{years}y");
    }

    /// <summary>The age of an RFC 3339 timestamp at <paramref name="now"/>, or "&lt;unknown&gt;".</summary>
    public static string Since(string? timestamp, DateTimeOffset now) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, out var then) ? Format(now - then) : "<unknown>";
}
