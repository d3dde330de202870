using StackOps.Abstractions;

namespace StackOps.Core.Components.BuiltIn;

/// <summary>The local artifact store: a folder of this machine (its path setting).</summary>
internal sealed class LocalArtifactStore(ComponentContext context) : IArtifactStore
{
    private string Root => context.Settings.GetValueOrDefault("path") is { Length: > 0 } path
        ? Path.GetFullPath(Environment.ExpandEnvironmentVariables(path.StartsWith('~') ? Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..]) : path))
        : throw new Errors.StackOpsException("MissingConfigurationKey", Errors.ErrorKind.InvalidArgument,
            $"The artifact store '{context.Name}' has no path; give it one with Set-StackComponent artifact_store {context.Name} -Configuration @{{ path = '<folder>' }}.", context.Name);

    public Task<ComponentCheck> CheckAsync(CancellationToken cancellation)
    {
        var root = Root;
        return Task.FromResult(Directory.Exists(root)
            ? new ComponentCheck(true, $"the folder {root} exists")
            : new ComponentCheck(false, $"the folder {root} does not exist; create it (New-Item -ItemType Directory '{root}') or change the path"));
    }

    public Task<IReadOnlyList<ArtifactEntry>> ListAsync(string path, CancellationToken cancellation)
    {
        var root = Root;
        var folder = new DirectoryInfo(Path.Join(root, path));
        if (!folder.Exists)
            throw new Errors.StackOpsException("PathNotFound", Errors.ErrorKind.NotFound, $"The artifact store '{context.Name}' has no folder '{path}' ({folder.FullName}).", path);
        IReadOnlyList<ArtifactEntry> entries = folder.EnumerateFileSystemInfos()
            .Where(e => !e.Attributes.HasFlag(FileAttributes.ReparsePoint))
            .Select(e => e is DirectoryInfo
                ? new ArtifactEntry(Relative(root, e.FullName) + "/", null, e.LastWriteTimeUtc)
                : new ArtifactEntry(Relative(root, e.FullName), ((FileInfo)e).Length, e.LastWriteTimeUtc))
            .OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        return Task.FromResult(entries);
    }

    private static string Relative(string root, string full) => Path.GetRelativePath(root, full).Replace('\\', '/');
}
