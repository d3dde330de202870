using System.Diagnostics;

namespace StackOps.Core.Pipelines;

/// <summary>
/// Who is acting: $env:STACKOPS_USER, else in a GitHub Actions job the login that triggered the run,
/// else the git user (user.email, else user.name), else the OS user.
/// </summary>
public static class Identity
{
    public const string Variable = "STACKOPS_USER";

    public static string Current(string workingDirectory)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured) return configured.Trim();
        if (Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true" && GitHubActor() is { } actor) return actor;
        return Git("user.email", workingDirectory) ?? Git("user.name", workingDirectory) ?? Environment.UserName;
    }

    /// <summary>In a GitHub Actions job: who triggered the run (a re-run's trigger), else who started it.</summary>
    public static string? GitHubActor() =>
        Environment.GetEnvironmentVariable("GITHUB_TRIGGERING_ACTOR") is { Length: > 0 } triggering ? triggering
        : Environment.GetEnvironmentVariable("GITHUB_ACTOR") is { Length: > 0 } actor ? actor : null;

    private static string? Git(string key, string workingDirectory)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["config", "--get", key])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
            });
            if (git is null) return null;
            var output = git.StandardOutput.ReadToEnd().Trim();
            if (!git.WaitForExit(5000)) git.Kill();
            return git.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
