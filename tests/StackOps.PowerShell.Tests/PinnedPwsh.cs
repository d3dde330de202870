using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// The pwsh that the tool manifest pins (.config/dotnet-tools.json), restored once per test run and
/// started with `dotnet pwsh` from the repository root, as README's commands start it.
/// </summary>
public static class PinnedPwsh
{
    private static readonly Lazy<ChildResult> Restored = new(() =>
        ChildProcess.RunProgram("dotnet", PowerShellSession.RepositoryRoot, TimeSpan.FromMinutes(5), "tool", "restore"));

    /// <summary>Runs pwsh -NoProfile -NonInteractive with these arguments to its end, killing it after the time limit.</summary>
    public static ChildResult Run(TimeSpan limit, params string[] arguments)
    {
        var restore = Restored.Value;
        Assert.True(restore.ExitCode == 0, $"dotnet tool restore failed:\n{restore.Output}\n{restore.Errors}");
        return ChildProcess.RunProgram("dotnet", PowerShellSession.RepositoryRoot, limit, ["pwsh", "-NoProfile", "-NonInteractive", .. arguments]);
    }
}
