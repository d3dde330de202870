using System.Diagnostics;
using System.Text.RegularExpressions;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// The StackOps server as an operator starts it — its own process, `--urls http://127.0.0.1:0`,
/// the SQLite database in its default folder under its own $STACKOPS_HOME, the first admin's key from
/// $env:STACKOPS_ADMIN_API_KEY — on a loopback port. A watcher stops it when this test process
/// ends, however it ends.
/// </summary>
public sealed partial class TeamServer : IDisposable
{
    public const string AdminKey = "sok_scenario-admin-key-000000000000000000";

    public static readonly string Assembly =
        typeof(TeamServer).Assembly.GetCustomAttributes(typeof(ServerAssemblyAttribute), false).Cast<ServerAssemblyAttribute>().Single().Path;

    private readonly Process _process;
    private readonly List<string> _output = [];

    public TeamServer()
    {
        Home = Directory.CreateTempSubdirectory("stackops-server-").FullName;
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Assembly, "--urls", "http://127.0.0.1:0" }) start.ArgumentList.Add(argument);
        start.Environment["STACKOPS_HOME"] = Home;
        start.Environment["STACKOPS_ADMIN_API_KEY"] = AdminKey;
        start.Environment["STACKOPS_SERVER_CREDENTIAL_KEYS"] = Convert.ToBase64String(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());
        foreach (var variable in new[] { "STACKOPS_SERVER", "STACKOPS_API_KEY", "STACKOPS_SERVER_DATABASE", "ASPNETCORE_URLS" }) start.Environment.Remove(variable);
        _process = Process.Start(start)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            lock (_output) _output.Add(line);
            if (Listening().Match(line) is { Success: true } match) listening.TrySetResult(match.Groups[1].Value);
        }
        _process.OutputDataReceived += (_, e) => Read(e.Data);
        _process.ErrorDataReceived += (_, e) => Read(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Watch(_process.Id);
        if (!listening.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            Dispose();
            throw new InvalidOperationException($"The server did not start:\n{Output}");
        }
        Address = listening.Task.Result;
    }

    public string Address { get; }
    public string Home { get; }

    /// <summary>Everything the server printed (its structured log), to search for what must never be in it.</summary>
    public string Output
    {
        get { lock (_output) return string.Join("\n", _output); }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    private static void Watch(int server)
    {
        var script = $"while [ -e /proc/{Environment.ProcessId} ] && [ -e /proc/{server} ]; do sleep 2; done; kill {server} 2>/dev/null";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "sh", "-c", script }) start.ArgumentList.Add(argument);
        Process.Start(start);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        try { Directory.Delete(Home, recursive: true); } catch (IOException) { }
    }
}
