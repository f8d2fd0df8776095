namespace NvaFailover.Cli.Hosting;

/// <summary>What <c>nvafo</c> exits with: 0 ok, 1 the operation failed, 2 bad input, 130 interrupted.</summary>
public static class ExitCodes
{
    /// <summary>Success (and <c>run</c> stopped by Ctrl+C or SIGTERM: stopping is how it ends).</summary>
    public const int Ok = 0;

    /// <summary>The operation ran and failed (a write failed, a switchover was refused, a check found an error).</summary>
    public const int Failed = 1;

    /// <summary>The input was wrong (arguments, settings, scenario file); nothing was done.</summary>
    public const int BadInput = 2;

    /// <summary>A command other than <c>run</c> was interrupted (Ctrl+C) before it finished.</summary>
    public const int Interrupted = 130;
}
