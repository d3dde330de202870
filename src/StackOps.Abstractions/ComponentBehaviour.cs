namespace StackOps.Abstractions;

/// <summary>
/// What a component's implementation is given: which component it is, its configuration with secret
/// references resolved, and the credentials its service connector issued for its resource, if it is linked
/// to one (since 1.1).
/// </summary>
/// <param name="Type">The component type.</param>
/// <param name="Name">The component's name.</param>
/// <param name="Flavor">Its flavor.</param>
/// <param name="Settings">Its configuration, secret references resolved (lists and maps as JSON); never to be logged.</param>
/// <param name="Credential">What its connector issued for its resource; null when it is not linked to one.</param>
/// <param name="Timeout">The time limit of each call it makes.</param>
public sealed record ComponentContext(string Type, string Name, string Flavor, IReadOnlyDictionary<string, string> Settings,
    IssuedCredential? Credential, TimeSpan Timeout);

/// <summary>Whether a component's service answers with its credentials, and a sentence that says what was checked or why it failed.</summary>
/// <param name="Reachable">Whether it answered as expected.</param>
/// <param name="Message">What was reached (a bucket, a registry and its version), or why not, with what to do.</param>
public sealed record ComponentCheck(bool Reachable, string Message);

/// <summary>One entry of an artifact store: a path under its root, and what the store knows of it.</summary>
/// <param name="Path">The path, relative to the store's root, with '/' separators; folders end with '/'.</param>
/// <param name="Size">Its size in bytes, for files.</param>
/// <param name="LastModified">When it last changed, where the store records it.</param>
public sealed record ArtifactEntry(string Path, long? Size = null, DateTimeOffset? LastModified = null)
{
    /// <summary>Whether the entry is a folder (a common prefix of other entries).</summary>
    public bool IsFolder => Path.EndsWith('/');
}

/// <summary>An artifact store: where a stack's pipelines keep their artifacts (ZenML's artifact store: check it is reachable, list paths).</summary>
public interface IArtifactStore
{
    /// <summary>Whether the store answers with its credentials; a failure is a result, not an exception.</summary>
    Task<ComponentCheck> CheckAsync(CancellationToken cancellation);

    /// <summary>The entries directly under a path (empty for the root): files, and folders ending with '/'.</summary>
    Task<IReadOnlyList<ArtifactEntry>> ListAsync(string path, CancellationToken cancellation);
}

/// <summary>A container registry: where a stack's pipeline images are pushed and pulled from.</summary>
public interface IContainerRegistry
{
    /// <summary>Whether the registry answers with its credentials; a failure is a result, not an exception.</summary>
    Task<ComponentCheck> CheckAsync(CancellationToken cancellation);

    /// <summary>The repositories it holds (that the credentials may see).</summary>
    Task<IReadOnlyList<string>> RepositoriesAsync(CancellationToken cancellation);
}
