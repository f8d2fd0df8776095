using NCrontab;

namespace NvaFailover.Scheduling;

/// <summary>
/// A timer schedule: an NCRONTAB expression of six fields, <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>,
/// parsed by NCrontab exactly as the Azure Functions timer trigger parses it (<c>IncludingSeconds = true</c>), so
/// <c>nvafo run</c>, the monitor's "time to the next tick" and the Functions app agree on every schedule. UTC.
/// </summary>
public sealed class TimerSchedule
{
    private static readonly CrontabSchedule.ParseOptions Options = new() { IncludingSeconds = true };
    private readonly CrontabSchedule _schedule;

    private TimerSchedule(string expression, CrontabSchedule schedule)
    {
        Expression = expression;
        _schedule = schedule;
    }

    /// <summary>The default: every 30 seconds.</summary>
    public static TimerSchedule Default { get; } = new("*/30 * * * * *", CrontabSchedule.Parse("*/30 * * * * *", Options));

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression; false with a reason a person can act on when it is not valid.</summary>
    public static bool TryParse(string? expression, out TimerSchedule schedule, out string error)
    {
        schedule = Default;
        error = "";
        var fields = (expression ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            error = $"must have six fields '{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}' (seconds first, as the Functions timer reads it) but has {fields.Length}; for example '*/30 * * * * *' is every 30 seconds";
            return false;
        }

        try
        {
            schedule = new TimerSchedule(expression!.Trim(), CrontabSchedule.Parse(expression, Options));
            return true;
        }
        catch (CrontabException ex)
        {
            error = $"is not a valid NCRONTAB expression ({ex.Message.Split('\n')[0].Trim()}); for example '*/30 * * * * *' is every 30 seconds";
            return false;
        }
    }

    /// <summary>Parses an expression known to be valid.</summary>
    public static TimerSchedule Parse(string expression) =>
        TryParse(expression, out var schedule, out var error) ? schedule : throw new FormatException($"Schedule '{expression}' {error}.");

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after) =>
        new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));

    /// <inheritdoc />
    public override string ToString() => Expression;
}
