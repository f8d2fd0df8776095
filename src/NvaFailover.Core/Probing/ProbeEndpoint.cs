using System.Globalization;

namespace NvaFailover.Probing;

/// <summary>A parsed <c>ProbeEndpoint</c>: a TCP <c>host:port</c> or an HTTP(S) URL.</summary>
/// <param name="Host">Host name or IP (TCP).</param>
/// <param name="Port">TCP port.</param>
/// <param name="Url">The URL (HTTP).</param>
public sealed record ProbeEndpoint(string? Host, int Port, Uri? Url)
{
    /// <summary>True for an HTTP(S) endpoint.</summary>
    public bool IsHttp => Url is not null;

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or an absolute http/https URL.</summary>
    public static bool TryParse(string? text, out ProbeEndpoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Host.Length > 0)
            {
                endpoint = new ProbeEndpoint(null, url.Port, url);
                return true;
            }

            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var host = text[..colon];
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (bracketed)
        {
            host = host[1..^1];
        }

        // An IPv6 address must be bracketed, or "fd00::4:443" would be ambiguous.
        var ipv6 = host.Contains(':', StringComparison.Ordinal);
        if (host.Length == 0 || host.Any(ch => char.IsWhiteSpace(ch) || ch == '/') || ipv6 != bracketed || (ipv6 && !System.Net.IPAddress.TryParse(host, out _)))
        {
            return false;
        }

        endpoint = new ProbeEndpoint(host, port, null);
        return true;
    }

    /// <summary>
    /// The host route that sends this endpoint through one NVA (<c>10.99.0.1/32</c>, or <c>/128</c> for IPv6); null
    /// when the host is a name, whose address is not known here.
    /// </summary>
    public string? HostRoute => System.Net.IPAddress.TryParse(Url?.IdnHost.Trim('[', ']') ?? Host, out var ip)
        ? $"{ip}/{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}"
        : null;

    /// <inheritdoc />
    public override string ToString() => Url?.ToString() ?? (Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}");
}
