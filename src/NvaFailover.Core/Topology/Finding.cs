namespace NvaFailover.Topology;

/// <summary>How serious a finding is.</summary>
public enum FindingSeverity
{
    /// <summary>For information.</summary>
    Info,
    /// <summary>Works, but deserves attention.</summary>
    Warning,
    /// <summary>Something that will stop a failover from being complete.</summary>
    Error,
}

/// <summary>Something found about the configuration or the resources, with what to do about it.</summary>
/// <param name="Severity">How serious.</param>
/// <param name="ResourceId">The resource or setting concerned.</param>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record Finding(FindingSeverity Severity, string ResourceId, string Message)
{
    /// <summary><c>ERROR</c>, <c>WARN</c> or <c>INFO</c>: the word the CLI and the reports use.</summary>
    public string SeverityWord => Severity switch
    {
        FindingSeverity.Error => "ERROR",
        FindingSeverity.Warning => "WARN",
        _ => "INFO",
    };
}
