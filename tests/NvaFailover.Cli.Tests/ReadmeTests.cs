using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NvaFailover.Cli.Tests;

/// <summary>
/// The README and every page of docs/ are executable: every 'nvafo', 'dotnet run --project src/...' and 'dotnet tool
/// install' line of their code blocks is run as a process, exactly as shown (file paths, the emulator's port and its
/// thumbprint filled in), against the standalone emulator started with the docs' own command, with the exit codes and
/// output lines the pages state. A line added to a page without a place below fails <see cref="Readme_EveryCommandLine_IsInTheSuite"/>.
/// </summary>
public sealed partial class ReadmeTests
{
    private const string EmulatorLine = "dotnet run --project src/NvaFailover.Emulator -- --scenario samples/edge-pair.json --port 5443";
    private const string InstallLine = "dotnet tool install --global --add-source ./packages nvafo";
    private const string RunLine = "nvafo run --settings docs/emulator-settings.json --endpoint https://127.0.0.1:5443/ --endpoint-thumbprint <THUMBPRINT>";
    private const string Endpoint = "--endpoint https://127.0.0.1:5443/ --endpoint-thumbprint <THUMBPRINT>";

    /// <summary>Every command line of the README, in its order, with the exit code and the output it promises.</summary>
    private static readonly (string Line, int Exit, string[] Output)[] Suite =
    [
        ("dotnet run --project src/NvaFailover.Cli -- simulate", 0, [">> powerOff vmx-a", "vmx-a -> vmx-b (activeDown)", "Failovers:"]),
        ("nvafo check --settings my-settings.json", 0, ["check passed: 1 cluster"]),
        (InstallLine, 0, ["was successfully installed"]),
        ("nvafo --version", 0, ["(commit "]),
        (EmulatorLine, 0, ["ARM endpoint: https://127.0.0.1:5443/", "Certificate thumbprint (trust it for this endpoint only): "]),
        // docs/drill.md, on the emulator through my-settings.json: rehearse an export, plan, switch over and roll back.
        ("nvafo export --cluster edge --out live.json --settings my-settings.json", 0, ["Wrote ", "live.json"]),
        ("nvafo simulate --scenario live.json --html drill.html --speed 40", 0, ["HTML report written to", "Failovers:"]),
        ("nvafo plan --settings my-settings.json", 0, ["nothing to change."]),
        ("nvafo switchover --cluster edge --to edge-b --settings my-settings.json --yes", 0,
            ["edge-a -> edge-b (switchover)", "Read back: every managed route and public IP of edge points at edge-b.", "To roll back: nvafo switchover --cluster edge --to edge-a"]),
        ("nvafo switchover --cluster edge --to edge-a --settings my-settings.json --yes", 0, ["edge-b -> edge-a (switchover)", "Read back: every managed route and public IP of edge points at edge-a."]),
        ($"nvafo check --settings docs/emulator-settings.json {Endpoint}", 0, ["probes only the VMs' power state: an appliance that hangs or stops forwarding while its VM runs is invisible to it", "check passed: 1 cluster, 1 warning."]),
        ($"nvafo plan --settings docs/emulator-settings.json {Endpoint} --json", 0, ["\"action\": \"none\""]),
        ($"nvafo once --settings docs/emulator-settings.json {Endpoint} --verbose", 0, ["edge: none, active edge-a, health edge-a=up edge-b=up", "info RoundCompleted"]),
        ($"nvafo switchover --cluster edge --to edge-b --yes --settings docs/emulator-settings.json {Endpoint}", 0, ["edge-a -> edge-b (switchover)"]),
        ($"nvafo export --cluster edge --out edge.json --settings docs/emulator-settings.json {Endpoint}", 0, ["Wrote ", "edge.json"]),
        ("nvafo simulate --scenario edge.json --json report.json --html report.html", 0, ["JSON report written to", "HTML report written to"]),
        (RunLine, 0, ["Ctrl+C to stop.", "nvafo run: stopped."]),
    ];

    /// <summary>The README and every page of docs/.</summary>
    private static IEnumerable<string> Pages =>
        [Repository.File("README.md"), .. Directory.EnumerateFiles(Repository.File("docs"), "*.md").Order(StringComparer.Ordinal)];

    [Fact]
    public void Readme_EveryCommandLine_IsInTheSuite()
    {
        // A line may be shown on several pages (the drill repeats check); each is run once, in the suite's order.
        var shown = Pages.SelectMany(p => CommandLines(File.ReadAllText(p))).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(Suite.Select(s => s.Line).Order(StringComparer.Ordinal), shown);
        Assert.Equal(Suite.Length, Suite.Select(s => s.Line).Distinct().Count());
    }

    [Fact]
    public async Task Readme_CommandLines_RunAsShown()
    {
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"nvafo-readme-{Guid.NewGuid():N}")).FullName;
        Process? emulator = null;
        try
        {
            var port = FreePort();
            var pack = await RunAsync($"dotnet pack {Repository.File("src", "NvaFailover.Cli", "NvaFailover.Cli.csproj")} -o {Path.Combine(work, "packages")} --nologo", work);
            Assert.True(pack.Exit == 0, pack.Output);
            await ExpectAsync(InstallLine, work, port, null);

            (emulator, var thumbprint) = await StartEmulatorAsync(port, work);
            await File.WriteAllTextAsync(Path.Combine(work, "my-settings.json"), MySettings(port, thumbprint));
            foreach (var (line, _, _) in Suite.Where(s => s.Line is not (InstallLine or EmulatorLine or RunLine)))
            {
                await ExpectAsync(line, work, port, thumbprint);
            }

            await ExpectRunStopsOnCtrlCAsync(work, port, thumbprint);

            // The emulator stops cleanly on SIGTERM.
            await SignalAsync(emulator, "TERM", child: true);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await emulator.WaitForExitAsync(patience.Token);
            Assert.Equal(0, emulator.ExitCode);
        }
        finally
        {
            if (emulator is { HasExited: false })
            {
                emulator.Kill(entireProcessTree: true);
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The command lines of the README's code blocks that run nvafo, the emulator or the tool install.</summary>
    internal static List<string> CommandLines(string readme)
    {
        var lines = new List<string>();
        var inBlock = false;
        foreach (var raw in readme.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock;
                continue;
            }

            line = TrailingComment().Replace(line, "").Trim();
            if (inBlock && (line == "nvafo" || line.StartsWith("nvafo ", StringComparison.Ordinal) || line.StartsWith("dotnet run --project src/", StringComparison.Ordinal)
                || line.StartsWith("dotnet tool install", StringComparison.Ordinal)))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static async Task ExpectAsync(string line, string work, int port, string? thumbprint)
    {
        var (_, exit, output) = Suite.Single(s => s.Line == line);
        var result = await RunAsync(Concrete(line, work, port, thumbprint), work);
        Assert.True(result.Exit == exit, $"'{line}' exited {result.Exit}, the README says {exit}:\n{result.Output}");
        foreach (var expected in output)
        {
            Assert.True(result.Output.Contains(expected, StringComparison.Ordinal), $"'{line}' did not print '{expected}':\n{result.Output}");
        }

        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    /// <summary><c>nvafo run</c> as a person runs it: it starts, probes, and Ctrl+C (SIGINT) stops it with exit 0.</summary>
    private static async Task ExpectRunStopsOnCtrlCAsync(string work, int port, string thumbprint)
    {
        // A test host started in the background ('&', nohup) ignores SIGINT, and every process it starts inherits that, so
        // nvafo run could not be stopped with Ctrl+C; start it as a terminal would, with SIGINT's default disposition.
        if (SigIntIgnored())
        {
            _ = signal(SigInt, IntPtr.Zero);
        }

        var (process, output) = Start(Concrete(RunLine, work, port, thumbprint), work);
        var started = Stopwatch.StartNew();
        while (!output.ToString().Contains("info RoundCompleted", StringComparison.Ordinal))
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(120) && !process.HasExited, $"nvafo run completed no round:\n{output}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        await SignalAsync(process, "INT", child: false);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"nvafo run did not stop within 60 s of Ctrl+C (SIGINT):\n{output}");
        }

        var text = output.ToString();
        Assert.True(process.ExitCode == 0, $"nvafo run stopped with exit {process.ExitCode}, the README says 0:\n{text}");
        foreach (var expected in Suite.Single(s => s.Line == RunLine).Output)
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    private const int SigInt = 2;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr signal(int signum, IntPtr handler);

    private static bool SigIntIgnored() =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
        && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;

    private static async Task<(Process Process, string Thumbprint)> StartEmulatorAsync(int port, string work)
    {
        var (process, output) = Start(Concrete(EmulatorLine, work, port, null), work);
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (!output.ToString().Contains("Control:", StringComparison.Ordinal))
        {
            Assert.False(process.HasExited, $"the emulator exited:\n{output}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), patience.Token);
        }

        var text = output.ToString();
        foreach (var expected in Suite.Single(s => s.Line == EmulatorLine).Output)
        {
            Assert.Contains(expected.Replace("5443", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), text, StringComparison.Ordinal);
        }

        return (process, Thumbprint().Match(text).Groups[1].Value);
    }

    /// <summary>The Deploy section's settings file: the emulator's topology, with the endpoint in the file.</summary>
    private static string MySettings(int port, string thumbprint)
    {
        var settings = JsonNode.Parse(File.ReadAllText(Repository.File("docs", "emulator-settings.json")))!;
        settings["NvaFailover"]!["ArmEndpoint"] = $"https://127.0.0.1:{port}/";
        settings["NvaFailover"]!["ArmCertificateThumbprint"] = thumbprint;
        return settings.ToJsonString();
    }

    /// <summary>The README's line with what the README leaves to the reader filled in: paths, the port, the thumbprint, the tool folder.</summary>
    private static string Concrete(string line, string work, int port, string? thumbprint)
    {
        var concrete = line
            .Replace("5443", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("<THUMBPRINT>", thumbprint ?? "", StringComparison.Ordinal)
            .Replace("docs/emulator-settings.json", Repository.File("docs", "emulator-settings.json"), StringComparison.Ordinal)
            .Replace("--scenario samples/", $"--scenario {Repository.Root}/samples/", StringComparison.Ordinal)
            .Replace("--project src/", $"--project {Repository.Root}/src/", StringComparison.Ordinal)
            .Replace("./packages", Path.Combine(work, "packages"), StringComparison.Ordinal)
            .Replace("--global", $"--tool-path {Path.Combine(work, "tools")}", StringComparison.Ordinal);
        return concrete.StartsWith("nvafo", StringComparison.Ordinal) ? Path.Combine(work, "tools", "nvafo") + concrete[5..] : concrete;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string commandLine, string work)
    {
        var (process, output) = Start(commandLine, work);
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(patience.Token);
        return (process.ExitCode, output.ToString());
    }

    private static (Process Process, StringBuilder Output) Start(string commandLine, string work)
    {
        var parts = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(parts[0]) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in parts.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    /// <summary>Sends a signal to the process, or to its children ('dotnet run' runs the program as its child).</summary>
    private static async Task SignalAsync(Process process, string signal, bool child)
    {
        var id = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(child ? "pkill" : "kill");
        start.ArgumentList.Add($"-{signal}");
        if (child)
        {
            start.ArgumentList.Add("-P");
        }

        start.ArgumentList.Add(id);
        using var kill = Process.Start(start)!;
        await kill.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"only\): ([0-9A-F]{40})")]
    private static partial Regex Thumbprint();
}
