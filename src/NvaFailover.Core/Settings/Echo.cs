using System.Globalization;
using System.Text;

namespace NvaFailover.Settings;

/// <summary>
/// Input echoed in a message, made safe to print: control characters escaped (a value with a newline cannot forge a
/// log line), and a long value cut (a 20 MB value is not printed whole).
/// </summary>
public static class Echo
{
    /// <summary>The longest part of a value echoed.</summary>
    public const int MaxLength = 200;

    /// <summary><paramref name="value"/> with control characters escaped (<c>\n</c>, <c>\u0007</c>) and cut after <see cref="MaxLength"/> characters.</summary>
    public static string Of(string value) => Escaped(value, MaxLength);

    /// <summary><paramref name="text"/> with control characters escaped and cut after <paramref name="maxLength"/> characters.</summary>
    public static string Escaped(string text, int maxLength = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text;
        var escaped = new StringBuilder(Math.Min(value.Length, maxLength) + 16);
        foreach (var c in value.Length > maxLength ? value[..maxLength] : value)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return value.Length > maxLength
            ? escaped.Append(CultureInfo.InvariantCulture, $"... ({value.Length:N0} characters in all)").ToString()
            : escaped.ToString();
    }
}
