using System.Runtime.InteropServices;
using NvaFailover.Cli;
using NvaFailover.Cli.Hosting;

// The first Ctrl+C (or SIGTERM) asks the command to stop; a second Ctrl+C ends the process at once.
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    if (!stop.IsCancellationRequested)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await NvafoCli.RunAsync(args, new CliConsole(Console.Out, Console.Error, Console.In, Console.IsInputRedirected), stop.Token);
