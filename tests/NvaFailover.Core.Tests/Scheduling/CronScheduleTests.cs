using NvaFailover.Scheduling;

namespace NvaFailover.Tests.Scheduling;

public sealed class CronScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 10, 15, 7, TimeSpan.Zero); // a Monday

    [Theory]
    [InlineData("*/30 * * * * *", "2026-03-02T10:15:30Z")]
    [InlineData("0 * * * * *", "2026-03-02T10:16:00Z")]
    [InlineData("0 */5 * * * *", "2026-03-02T10:20:00Z")]
    [InlineData("15,45 * * * * *", "2026-03-02T10:15:15Z")]
    [InlineData("0 0 9-17 * * MON-FRI", "2026-03-02T11:00:00Z")]
    [InlineData("0 0 0 * * SUN", "2026-03-08T00:00:00Z")]
    [InlineData("0 0 0 * * 7", "2026-03-08T00:00:00Z")]
    [InlineData("0 0 0 1 JAN *", "2027-01-01T00:00:00Z")]
    [InlineData("0 30 2 29 2 *", "2028-02-29T02:30:00Z")]
    public void GetNextOccurrence_Expression_IsTheFirstMatchStrictlyAfter(string expression, string expected)
    {
        var next = CronSchedule.Parse(expression).GetNextOccurrence(Start);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
    }

    [Fact]
    public void GetNextOccurrence_ExactlyOnAnOccurrence_ReturnsTheFollowingOne()
    {
        var schedule = CronSchedule.Parse("*/30 * * * * *");

        Assert.Equal(Start.AddSeconds(23).AddSeconds(30), schedule.GetNextOccurrence(Start.AddSeconds(23)));
    }

    [Theory]
    [InlineData("", "six fields")]
    [InlineData("* * * * *", "found 5")]
    [InlineData("60 * * * * *", "second field")]
    [InlineData("0 0 24 * * *", "hour field")]
    [InlineData("0 0 0 0 * *", "day field")]
    [InlineData("0 0 0 * 13 *", "month field")]
    [InlineData("0 0 0 * * FUN", "day-of-week field")]
    [InlineData("*/0 * * * * *", "step")]
    [InlineData("5-1 * * * * *", "outside")]
    public void TryParse_Invalid_SaysWhichFieldAndWhy(string expression, string expected)
    {
        Assert.False(CronSchedule.TryParse(expression, out var schedule, out var error));
        Assert.Null(schedule);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
