using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace NvaFailover.Cli.Hosting;

/// <summary>Where the CLI reads and writes; tests pass their own writers.</summary>
/// <param name="Out">Standard output: results.</param>
/// <param name="Error">Standard error: logs, errors.</param>
/// <param name="In">Standard input: confirmations.</param>
/// <param name="InputRedirected">True when no person can answer a question.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, bool InputRedirected)
{
    /// <summary>A Spectre console on <see cref="Out"/>, plain text so output can be piped and compared.</summary>
    public IAnsiConsole Rich() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Out),
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });
}

/// <summary>Logs to standard error, one line each, with the event name so a person can grep it.</summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer, LogLevel minimum, TimeProvider time) : ILoggerProvider
{
    private readonly object _lock = new();
    private readonly TextWriter _writer = writer;
    private readonly LogLevel _minimum = minimum;
    private readonly TimeProvider _time = time;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriterLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var level = logLevel switch
            {
                LogLevel.Critical => "crit",
                LogLevel.Error => "fail",
                LogLevel.Warning => "warn",
                LogLevel.Information => "info",
                _ => "dbug",
            };
            lock (owner._lock)
            {
                owner._writer.WriteLine($"{owner._time.GetUtcNow():HH:mm:ss} {level} {eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {formatter(state, exception)}");
            }
        }
    }
}
