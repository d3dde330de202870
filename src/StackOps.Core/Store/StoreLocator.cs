using StackOps.Core.Errors;
using StackOps.Core.Model;

namespace StackOps.Core.Store;

/// <summary>Where a store lives: a repository's .stackops folder, or the user's StackOps home.</summary>
public sealed record StoreLocation(StoreScope Scope, string Root, string? RepositoryRoot, string UserHome);

/// <summary>
/// Finds the store: the repository scope is the nearest .stackops folder at or above the current
/// directory (like .git); the user scope is $env:STACKOPS_HOME, else the per-user config folder.
/// </summary>
public static class StoreLocator
{
    public const string RepositoryFolder = ".stackops";
    public const string HomeVariable = "STACKOPS_HOME";

    public static string UserHome()
    {
        var configured = Environment.GetEnvironmentVariable(HomeVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        var appData = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(appData))
            appData = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(appData, "stackops");
    }

    public static string? FindRepository(string from)
    {
        var home = UserHome();
        for (var directory = new DirectoryInfo(Path.GetFullPath(from)); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RepositoryFolder);
            if (Directory.Exists(candidate) && !PathsEqual(candidate, home)) return directory.FullName;
        }
        return null;
    }

    /// <summary>The store for a scope; without one, the repository's when there is one, else the user's.</summary>
    public static StoreLocation Resolve(StoreScope? scope, string currentDirectory)
    {
        var home = UserHome();
        var repository = scope == StoreScope.User ? null : FindRepository(currentDirectory);
        if (scope == StoreScope.Repository && repository is null) throw Fail.RepositoryNotFound(currentDirectory);
        return repository is null
            ? new StoreLocation(StoreScope.User, home, null, home)
            : new StoreLocation(StoreScope.Repository, Path.Combine(repository, RepositoryFolder), repository, home);
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)),
            OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
}
