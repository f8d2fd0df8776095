using System.Globalization;

namespace NvaFailover.Scheduling;

/// <summary>
/// An NCRONTAB expression as the Azure Functions timer reads it: six fields,
/// <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, each <c>*</c>, a number, a range <c>a-b</c>,
/// a step <c>*/n</c> or <c>a-b/n</c>, or a comma list of those; months and weekdays also by three-letter name.
/// When both day and day-of-week are restricted, both must match (as NCrontab does).
/// </summary>
/// <remarks>Written here because the package feed has no NCrontab; it would drop in behind the same two methods.</remarks>
public sealed class CronSchedule
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private readonly bool[] _seconds;
    private readonly bool[] _minutes;
    private readonly bool[] _hours;
    private readonly bool[] _days;
    private readonly bool[] _months;
    private readonly bool[] _weekdays;

    private CronSchedule(string expression, bool[][] fields)
    {
        Expression = expression;
        (_seconds, _minutes, _hours, _days, _months, _weekdays) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression; false with a reason a person can act on when it is not valid.</summary>
    public static bool TryParse(string? expression, out CronSchedule? schedule, out string error)
    {
        schedule = null;
        error = "";
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "an NCRONTAB expression with six fields is required, for example '*/30 * * * * *' (every 30 seconds)";
            return false;
        }

        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6)
        {
            error = $"expected six fields '{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}' but found {parts.Length}, for example '*/30 * * * * *'";
            return false;
        }

        (string Name, int Min, int Max, string[]? Names)[] specs =
        [
            ("second", 0, 59, null), ("minute", 0, 59, null), ("hour", 0, 23, null),
            ("day", 1, 31, null), ("month", 1, 12, MonthNames), ("day-of-week", 0, 7, DayNames),
        ];
        var fields = new bool[6][];
        for (var i = 0; i < 6; i++)
        {
            if (!TryParseField(parts[i], specs[i].Min, specs[i].Max, specs[i].Names, out fields[i], out var why))
            {
                error = $"the {specs[i].Name} field '{parts[i]}' is not valid: {why}";
                return false;
            }
        }

        // 7 is Sunday too.
        fields[5][0] |= fields[5][7];
        schedule = new CronSchedule(expression, fields);
        return true;
    }

    /// <summary>Parses an expression or throws <see cref="FormatException"/>.</summary>
    public static CronSchedule Parse(string expression) =>
        TryParse(expression, out var schedule, out var error) ? schedule! : throw new FormatException($"Schedule '{expression}': {error}.");

    /// <summary>The first occurrence strictly after <paramref name="after"/> (UTC, whole seconds).</summary>
    public DateTimeOffset GetNextOccurrence(DateTimeOffset after)
    {
        var start = after.ToUniversalTime();
        var from = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, start.Second, TimeSpan.Zero).AddSeconds(1);
        var day = from.Date;
        for (var d = 0; d < 366 * 5; d++, day = day.AddDays(1))
        {
            if (!_months[day.Month] || !_days[day.Day] || !_weekdays[(int)day.DayOfWeek])
            {
                continue;
            }

            var sameDay = day == from.Date;
            for (var h = sameDay ? from.Hour : 0; h < 24; h++)
            {
                if (!_hours[h])
                {
                    continue;
                }

                var sameHour = sameDay && h == from.Hour;
                for (var m = sameHour ? from.Minute : 0; m < 60; m++)
                {
                    if (!_minutes[m])
                    {
                        continue;
                    }

                    var sameMinute = sameHour && m == from.Minute;
                    for (var s = sameMinute ? from.Second : 0; s < 60; s++)
                    {
                        if (_seconds[s])
                        {
                            return new DateTimeOffset(day.Year, day.Month, day.Day, h, m, s, TimeSpan.Zero);
                        }
                    }
                }
            }
        }

        throw new InvalidOperationException($"Schedule '{Expression}' has no occurrence within five years.");
    }

    private static bool TryParseField(string text, int min, int max, string[]? names, out bool[] allowed, out string error)
    {
        allowed = new bool[max + 1];
        error = "";
        foreach (var item in text.Split(','))
        {
            var step = 1;
            var range = item;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                range = item[..slash];
                if (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
                {
                    error = $"the step in '{item}' must be a whole number of 1 or more";
                    return false;
                }
            }

            int low, high;
            if (range == "*")
            {
                (low, high) = (min, max == 7 ? 6 : max);
            }
            else
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                if (!TryValue(dash < 0 ? range : range[..dash], names, min, out low)
                    || !TryValue(dash < 0 ? range : range[(dash + 1)..], names, min, out high))
                {
                    error = $"'{item}' is not a number from {min} to {max}{(names is null ? "" : " or a three-letter name")}";
                    return false;
                }

                if (dash < 0 && slash >= 0)
                {
                    high = max;
                }
            }

            if (low < min || high > max || low > high)
            {
                error = $"'{item}' is outside {min}-{max}";
                return false;
            }

            for (var v = low; v <= high; v += step)
            {
                allowed[v] = true;
            }
        }

        return true;
    }

    private static bool TryValue(string text, string[]? names, int min, out int value)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        var index = names is null ? -1 : Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        value = index + min;
        return index >= 0;
    }
}
