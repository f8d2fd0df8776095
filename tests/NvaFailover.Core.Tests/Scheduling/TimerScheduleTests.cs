using NvaFailover.Scheduling;

namespace NvaFailover.Tests.Scheduling;

public sealed class TimerScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 10, 15, 7, TimeSpan.Zero); // a Monday

    [Theory]
    [InlineData("*/30 * * * * *", "2026-03-02T10:15:30Z")]
    [InlineData("0 * * * * *", "2026-03-02T10:16:00Z")]
    [InlineData("0 */5 * * * *", "2026-03-02T10:20:00Z")]
    [InlineData("15,45 * * * * *", "2026-03-02T10:15:15Z")]
    [InlineData("0 0 9-17 * * MON-FRI", "2026-03-02T11:00:00Z")]
    [InlineData("0 0 0 * * SUN", "2026-03-08T00:00:00Z")]
    [InlineData("0 0 0 1 JAN *", "2027-01-01T00:00:00Z")]
    [InlineData("0 30 2 29 2 *", "2028-02-29T02:30:00Z")]
    public void Next_Expression_IsTheFirstMatchStrictlyAfter(string expression, string expected)
    {
        Assert.True(TimerSchedule.TryParse(expression, out var schedule, out var error), error);

        var next = schedule.Next(Start);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
    }

    [Fact]
    public void Next_ExactlyOnAnOccurrence_ReturnsTheFollowingOne()
    {
        var schedule = TimerSchedule.Default;

        Assert.Equal(Start.AddSeconds(23).AddSeconds(30), schedule.Next(Start.AddSeconds(23)));
    }

    [Fact]
    public void Next_BetweenTicksWithFractionalSeconds_IsTheNextWholeTick()
    {
        var at = Start.AddSeconds(22).AddMilliseconds(999.5);

        Assert.Equal(Start.AddSeconds(23), TimerSchedule.Default.Next(at));
    }

    [Theory]
    [InlineData("", "six fields")]
    [InlineData("* * * * *", "has 5")]
    [InlineData("60 * * * * *", "60")]
    [InlineData("0 0 24 * * *", "24")]
    [InlineData("0 0 0 0 * *", "valid NCRONTAB")]
    [InlineData("0 0 0 * 13 *", "13")]
    [InlineData("0 0 0 * * FUN", "FUN")]
    [InlineData("0 0 0 * * 7", "between 0 and 6")]
    public void TryParse_Invalid_SaysWhyWithAnExample(string expression, string expected)
    {
        Assert.False(TimerSchedule.TryParse(expression, out var schedule, out var error));
        Assert.Same(TimerSchedule.Default, schedule);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("'*/30 * * * * *' is every 30 seconds", error, StringComparison.Ordinal);
    }
}
