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
    public static string MainScript => Repository.File("eng", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js");

    /// <summary>Starts the emulator and waits until it accepts connections.</summary>
    public static async Task<Azurite> StartAsync()
    {
        if (!File.Exists(MainScript))
        {
            throw new InvalidOperationException($"Azurite is not installed at {MainScript}: run 'npm ci --prefix eng/azurite' (.ci/run does).");
        }

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
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return azurite;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200);
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
