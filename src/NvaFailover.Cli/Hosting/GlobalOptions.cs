using System.CommandLine;

namespace NvaFailover.Cli.Hosting;

/// <summary>The options the commands share: settings and endpoint (the commands that talk to Azure), verbose (every command).</summary>
internal sealed class GlobalOptions
{
    public Option<FileInfo?> Settings { get; } = new("--settings")
    {
        Description = "A JSON settings file (the NvaFailover section, as in appsettings.json); added after appsettings.json and environment variables",
    };

    public Option<Uri?> Endpoint { get; } = new("--endpoint")
    {
        Description = "An ARM endpoint other than the cloud's, such as a standalone emulator (https://127.0.0.1:PORT/)",
        CustomParser = ParseEndpoint,
    };

    public Option<string?> EndpointThumbprint { get; } = new("--endpoint-thumbprint")
    {
        Description = "Trust this self-signed certificate (SHA-1 thumbprint) for --endpoint only; the emulator prints it",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log every event (Information and above) to standard error, and the detail of any failure",
        Recursive = true,
    };

    /// <summary>An absolute https URL; anything else is a parse error (exit 2) naming the option, never an exception.</summary>
    private static Uri? ParseEndpoint(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps)
        {
            return uri;
        }

        result.AddError($"--endpoint '{text}' is not valid: give an absolute https URL, for example the one the emulator prints (https://127.0.0.1:PORT/).");
        return null;
    }
}
