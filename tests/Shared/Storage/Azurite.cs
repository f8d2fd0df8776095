using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NvaFailover.Tests;

/// <summary>
/// The Azure Storage emulator (npm package azurite, installed in eng/azurite by .ci/run), Blob service only, on a free
/// port with its own folder; stopped by PID. What the witness does with blobs and leases is tested against it, not a fake.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>Real time: the emulator's leases run on it.</summary>
    private static readonly TimeProvider Clock = TimeProvider.System;

    private readonly Process _process;
    private readonly string _folder;

    private Azurite(Process process, string folder, int port)
    {
        (_process, _folder, Port) = (process, folder, port);
    }

    /// <summary>The blob port.</summary>
    public int Port { get; }

    /// <summary>A container of the development account (created by the witness when missing).</summary>
    public Uri Container(string name) => new($"http://127.0.0.1:{Port}/devstoreaccount1/{name}");

    /// <summary>Where .ci/run installs the emulator.</summary>
    public static string MainScript => Path.Combine(Folder, "node_modules", "azurite", "dist", "src", "blob", "main.js");

    /// <summary>eng/azurite of the repository this code was built from (found above the running assembly).</summary>
    private static string Folder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NvaFailover.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("NvaFailover.sln not found above " + AppContext.BaseDirectory), "eng", "azurite");
        }
    }

    /// <summary>Starts the emulator and waits until it accepts connections.</summary>
    public static async Task<Azurite> StartAsync()
    {
        await InstallAsync();

        var port = FreePort();
        var folder = Directory.CreateTempSubdirectory("azurite-").FullName;
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { MainScript, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", folder, "--silent", "--skipApiVersionCheck" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new Azurite(process, folder, port);
        var deadline = Clock.GetUtcNow() + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return azurite;
            }
            catch (SocketException) when (Clock.GetUtcNow() < deadline && !process.HasExited)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), Clock);
            }
            catch (SocketException)
            {
                await azurite.DisposeAsync();
                throw new InvalidOperationException($"Azurite did not listen on port {port} within 60 s (exited: {process.HasExited}).");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held: the temp folder is cleaned later.
        }
    }

    /// <summary>
    /// Installs the pinned emulator (eng/azurite/package-lock.json) on first use, so that 'dotnet test' on a fresh clone
    /// needs only Node.js and an npm registry; test projects running at once install it once (a lock file).
    /// </summary>
    private static async Task InstallAsync()
    {
        if (File.Exists(MainScript))
        {
            return;
        }

        var folder = Folder;
        var deadline = Clock.GetUtcNow() + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                await using var held = new FileStream(Path.Combine(folder, ".install.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                if (File.Exists(MainScript))
                {
                    return;
                }

                var npm = new ProcessStartInfo("npm") { ArgumentList = { "ci", "--prefix", folder, "--no-audit", "--no-fund", "--loglevel=error" }, RedirectStandardOutput = true, RedirectStandardError = true };
                using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start");
                var output = process.StandardError.ReadToEndAsync();
                await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                if (process.ExitCode != 0 || !File.Exists(MainScript))
                {
                    throw new InvalidOperationException($"Azurite could not be installed ('npm ci --prefix eng/azurite' exited {process.ExitCode}): {await output}");
                }

                return;
            }
            catch (IOException) when (Clock.GetUtcNow() < deadline)
            {
                // Another test project installs it: wait for that.
                await Task.Delay(TimeSpan.FromMilliseconds(500), Clock);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
