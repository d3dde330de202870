using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StackOps.Tests.Shared;

/// <summary>
/// A real PostgreSQL (Debian's postgresql package, which .ci/run installs) in a data folder of its
/// own, listening on 127.0.0.1 at a free port, trusting local connections. Started as the postgres
/// user when the tests run as root (PostgreSQL refuses root). It stops on Dispose, and by itself
/// (a watcher) when the process that started it ends, however it ends.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private const string User = "stackops";
    private readonly string _bin;
    private readonly bool _asPostgresUser;

    public PostgresServer()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
              ?? throw Missing()
            : throw Missing();
        _asPostgresUser = Environment.UserName == "root";
        Folder = Path.Combine(Path.GetTempPath(), $"stackops-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        if (_asPostgresUser) Run("chown", ["postgres:postgres", Folder], asPostgres: false);
        Port = FreePort();
        Run(Path.Combine(_bin, "initdb"), ["-D", Data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync"]);
        Run(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {Folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start"]);
        Watch();
    }

    public string Folder { get; }
    public int Port { get; }
    private string Data => Path.Combine(Folder, "data");

    /// <summary>A connection string to a database of this server (the maintenance database by default).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Pooling=true;Timeout=15;Command Timeout=30";

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public string NewDatabase()
    {
        var name = $"t{Guid.NewGuid():N}";
        Run(Path.Combine(_bin, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(), "-U", User, name]);
        return ConnectionString(name);
    }

    /// <summary>Stops the server (fast), as an outage would; <see cref="Start"/> brings it back on the same port and data.</summary>
    public void Stop() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "fast", "-w", "stop"]);

    public void Start() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {Folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start"]);

    public void Dispose()
    {
        try { Run(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"]); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A watcher that stops the server once this process is gone, even if it was killed.</summary>
    private void Watch()
    {
        // /proc rather than kill -0: the watcher runs as postgres, which may not signal the (root) test process.
        var script = $"while [ -e /proc/{Environment.ProcessId} ]; do sleep 2; done; '{Path.Combine(_bin, "pg_ctl")}' -D '{Data}' -m immediate stop; rm -rf '{Folder}'";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (_asPostgresUser ? new[] { "runuser", "-u", "postgres", "--" } : []).Concat(["sh", "-c", script])) start.ArgumentList.Add(argument);
        Process.Start(start);
    }

    private void Run(string program, string[] arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo(asPostgres && _asPostgresUser ? "runuser" : program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (asPostgres && _asPostgresUser)
            foreach (var argument in new[] { "-u", "postgres", "--", program }) start.ArgumentList.Add(argument);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)) || process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed:\n{output.Result}\n{errors.Result}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static InvalidOperationException Missing() =>
        new("PostgreSQL is not installed: the server tests need Debian's postgresql package (sudo apt-get install postgresql; .ci/run does).");
}
