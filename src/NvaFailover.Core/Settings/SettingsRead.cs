namespace NvaFailover.Settings;

/// <summary>
/// The settings as read, once: the parsed options, every value that could not be read (with its key), and the
/// warnings (legacy names, ignored settings) logged once at start-up.
/// </summary>
/// <param name="Options">The parsed options (a value that could not be read keeps its default).</param>
/// <param name="Problems">Values that could not be read: start-up fails on any.</param>
/// <param name="Warnings">Settings that work but deserve attention.</param>
public sealed record SettingsRead(NvaFailoverOptions Options, IReadOnlyList<SettingProblem> Problems, IReadOnlyList<SettingWarning> Warnings);
