namespace NvaFailover.Settings;

/// <summary>An invalid setting: the key, the value as given (secrets masked) and what would be valid.</summary>
/// <param name="Key">Configuration key, e.g. <c>NvaFailover:Clusters:0:Probe:Attempts</c>.</param>
/// <param name="Value">The value as given, masked when secret; null when missing.</param>
/// <param name="Expected">What would be valid.</param>
public sealed record SettingProblem(string Key, string? Value, string Expected)
{
    /// <inheritdoc />
    public override string ToString() =>
        Value is null ? $"{Echo.Of(Key)} is missing: {Echo.Escaped(Expected)}" : $"{Echo.Of(Key)} = '{Echo.Of(Value)}': {Echo.Escaped(Expected)}";
}

/// <summary>A setting that works but deserves attention (a legacy name, an ignored value).</summary>
/// <param name="Key">Configuration key.</param>
/// <param name="Message">What it means and what to do.</param>
public sealed record SettingWarning(string Key, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Echo.Of(Key)}: {Message}";
}
