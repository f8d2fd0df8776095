using System.Globalization;

namespace NvaFailover.Time;

/// <summary>Seconds as a person reads them: one decimal at most, in messages and in the events' numeric properties alike.</summary>
public static class Seconds
{
    /// <summary>The seconds of <paramref name="span"/>, rounded to one decimal.</summary>
    public static double Round(TimeSpan span) => Math.Round(span.TotalSeconds, 1, MidpointRounding.AwayFromZero);

    /// <summary><c>2 s</c>, <c>0.5 s</c>, <c>30.6 s</c>.</summary>
    public static string Text(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{Round(span):0.#} s");
}
