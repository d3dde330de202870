using System.Diagnostics;
using Xunit;

namespace StackOps.Tests.Shared;

/// <summary>What a worker process did: its exit code (null when it had to be killed) and its output.</summary>
public sealed record ChildResult(int? ExitCode, string Output, string Errors)
{
    public IReadOnlyList<string> Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Asserts that the worker ended by itself, successfully: a crash (a stack overflow is exit code 134) or a hang fails the test.</summary>
    public ChildResult Succeeded()
    {
        Assert.True(ExitCode is not null, $"the worker did not finish in time and was killed:\n{Output}\n{Errors}");
        Assert.True(ExitCode == 0, $"the worker ended with exit code {ExitCode}:\n{Output}\n{Errors}");
        return this;
    }
}

/// <summary>
/// The test assembly itself started as a worker in another process (its Program.cs dispatches on the first
/// argument): for inputs that could crash or hang a process, and for processes killed on purpose.
/// </summary>
public static class ChildProcess
{
    private static readonly string Assembly = typeof(ChildProcess).Assembly.Location;

    public static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>Runs a worker to its end, killing it (and failing) after the time limit.</summary>
    public static ChildResult Run(TimeSpan limit, params string[] arguments) => Wait(Start(arguments), limit);

    /// <summary>Runs another program in a folder to its end, killing it after the time limit.</summary>
    public static ChildResult RunProgram(string program, string folder, TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return Wait(Process.Start(start)!, limit);
    }

    private static ChildResult Wait(Process started, TimeSpan limit)
    {
        using var process = started;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ChildResult(null, output.Result, errors.Result);
        }
        return new ChildResult(process.ExitCode, output.Result, errors.Result);
    }
}
