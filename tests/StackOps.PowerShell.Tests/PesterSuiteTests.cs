using Xunit.Abstractions;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// The Pester suite (tests/Pester), run by a real pwsh — the one the tool manifest pins — against
/// the module this test assembly built, with the Pester the project restores from NuGet:
/// `dotnet test StackOps.sln` runs both suites, on any machine that has the .NET SDK.
/// </summary>
public sealed class PesterSuiteTests(ITestOutputHelper output)
{
    private static readonly string PesterModule =
        typeof(PesterSuiteTests).Assembly.GetCustomAttributes(typeof(PesterModuleAttribute), false).Cast<PesterModuleAttribute>().Single().Path;

    [Fact]
    public void ThePesterSuitePassesInARealPwsh()
    {
        var run = PinnedPwsh.Run(TimeSpan.FromMinutes(20), "-File",
            Path.Combine(PowerShellSession.RepositoryRoot, "tests", "Pester", "Invoke-Pester.ps1"),
            "-Module", PowerShellSession.ModuleManifest, "-Pester", PesterModule, "-Server", TeamServer.Assembly,
            "-ResultPath", Path.Combine(PowerShellSession.ModuleFolder, "..", "pester.xml"));

        output.WriteLine(run.Output);
        Assert.True(run.ExitCode is not null, "the Pester suite did not finish in 20 minutes");
        Assert.True(run.ExitCode == 0, $"The Pester suite failed (exit code {run.ExitCode}, the number of failed tests when it ran):\n{Tail(run.Output)}\n{run.Errors}");
        Assert.Contains("Failed: 0", run.Output);
    }

    private static string Tail(string text) => text.Length <= 20_000 ? text : text[^20_000..];
}
