using Microsoft.Extensions.Options;

namespace NvaFailover.Settings;

/// <summary>
/// <c>IOptions&lt;NvaFailoverOptions&gt;</c> is the settings read once at start-up (<see cref="SettingsRead"/>), validated:
/// nothing reads the configuration again, and invalid settings fail start-up with every problem listed.
/// </summary>
internal sealed class SettingsOptionsFactory(SettingsRead read, IEnumerable<IValidateOptions<NvaFailoverOptions>> validators) : IOptionsFactory<NvaFailoverOptions>
{
    public NvaFailoverOptions Create(string name)
    {
        var failures = validators.Select(v => v.Validate(name, read.Options)).Where(r => r.Failed).SelectMany(r => r.Failures ?? []).ToList();
        return failures.Count == 0 ? read.Options : throw new OptionsValidationException(name, typeof(NvaFailoverOptions), failures);
    }
}
