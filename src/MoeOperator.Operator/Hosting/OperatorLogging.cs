using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace MoeOperator.Hosting;

/// <summary>
/// The operator's log output: one JSON object per line (for log collectors) or one text line per entry (for a
/// terminal), both with the logging scopes, so every line a reconcile writes names its controller and object.
/// </summary>
internal static class OperatorLogging
{
    public static ILoggerFactory Create(string level, string format) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(Level(level));
        // ASP.NET Core's own request logs would drown the operator's; its warnings still show.
        builder.AddFilter("Microsoft", LogLevel.Warning);
        switch (format)
        {
            case "json":
                builder.AddJsonConsole(o =>
                {
                    o.IncludeScopes = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
                break;
            case "text":
                builder.AddSimpleConsole(o =>
                {
                    o.IncludeScopes = true;
                    o.SingleLine = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                });
                break;
            default:
                throw new ArgumentException($"--log-format '{format}' is not one of json, text");
        }
    });

    private static LogLevel Level(string level) => level switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ArgumentException($"--log-level '{level}' is not one of debug, info, warn, error"),
    };
}
