using StackOps.Core.Errors;
using StackOps.Core.IO;

namespace StackOps.Core.Store;

/// <summary>
/// Keeps a directory store inside its root. A repository store arrives in pull requests, and git
/// keeps symbolic links: a link in it (stacks/ pointing at ~/.ssh, a document pointing at a runner's
/// credentials file) would make StackOps read or write outside the store. Links that stay inside the
/// root are followed; a link that leaves it is refused, and so is a repository's .stackops folder
/// that is itself a link out of the repository.
/// </summary>
internal sealed class StoreContainment
{
    private readonly string _root;
    private readonly string? _repository;
    private string? _realRoot;

    public StoreContainment(string root, string? repository)
    {
        _root = root;
        _repository = repository;
    }

    /// <summary>The root with every link on its way resolved; for a repository store, checked to be inside the repository.</summary>
    public string RealRoot => _realRoot ??= ResolveRoot();

    private string ResolveRoot()
    {
        var real = RealPath(_root);
        if (_repository is not null && !SafeFiles.IsInside(real, RealPath(_repository)))
            throw Refused(_root, $"the repository's {StoreLocator.RepositoryFolder} folder is a link to '{real}', outside the repository");
        return real;
    }

    /// <summary>Checks a folder or file of the store (existing or not) and every folder between it and the root.</summary>
    public void Check(string path)
    {
        var current = RealRoot;
        var relative = "";
        foreach (var part in Path.GetRelativePath(_root, path).Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            relative = Path.Combine(relative, part);
            var next = Path.Combine(current, part);
            if (SafeFiles.LinkTarget(next) is { } target)
            {
                next = RealPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target));
                if (!SafeFiles.IsInside(next, RealRoot)) throw Refused(path, $"'{relative}' in the store at '{_root}' is a link to '{next}', outside the store");
            }
            current = next;
        }
    }

    /// <summary>Checks one file of a folder already checked: a single system call unless the file is a link.</summary>
    public void CheckFile(string file)
    {
        if (SafeFiles.LinkTarget(file) is not null) Check(file);
    }

    private static readonly char[] Separators = OperatingSystem.IsWindows() ? ['\\', '/'] : ['/'];

    private static string RealPath(string path) => SafeFiles.RealPath(path) ?? throw new StackOpsException("StoreLinkRefused", ErrorKind.SecurityError,
        $"'{path}' goes through links that loop. Replace the links with the folders or files themselves.", path);

    private static StackOpsException Refused(string path, string problem) =>
        new("StoreLinkRefused", ErrorKind.SecurityError,
            $"{problem}. StackOps never follows a link out of a store: replace the link with the folder or file itself (git checkout of a pull request can bring such links).", path);
}
