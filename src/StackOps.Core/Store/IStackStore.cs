namespace StackOps.Core.Store;

/// <summary>Which stored document: kind (Stack, StackComponent, Flavor), name, and the component type for the typed kinds.</summary>
public sealed record DocumentKey(string Kind, string Name, string? Type = null)
{
    public override string ToString() => Type is null ? $"{Kind} '{Name}'" : $"{Kind} '{Name}' ({Type})";
}

/// <summary>
/// A document as stored: its text, and where it lives (a file path, or a row's address). In a
/// listing, a document the store could not read at all (too large, a link out of the store) comes
/// with the problem instead of a text, so that it is reported rather than dropped. A store that
/// checks changes optimistically (the team server) gives each document's version; a directory
/// store, which holds a lock instead, gives 0.
/// </summary>
public sealed record StoredDocument(DocumentKey Key, string Path, string Text, Errors.StackOpsException? Problem = null, long Version = 0);

/// <summary>
/// The store behind stacks, components and flavors: text documents by key. Reads never lock and
/// see whole documents; changes go through a transaction that holds the store's lock and commits
/// every write atomically. Narrow on purpose, so a shared database store can implement it too.
/// </summary>
public interface IStackStore
{
    Model.StoreScope Scope { get; }

    /// <summary>Who the store says is acting: the authenticated principal of a server store; null where the store cannot tell (files).</summary>
    string? Identity { get; }

    StoredDocument? Read(DocumentKey key);
    IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null);

    /// <summary>
    /// The documents of <see cref="ReadAll"/>, each as soon as it is read (a listing shows the first
    /// before the last is read), names differing only in case next to each other.
    /// </summary>
    IEnumerable<StoredDocument> ReadEach(string kind, string? type = null) => ReadAll(kind, type);

    IStoreTransaction Begin();
}

public interface IStoreTransaction : IDisposable
{
    StoredDocument? Read(DocumentKey key);
    IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null);
    /// <summary>The path the document will have once written (for messages and the returned objects).</summary>
    string PathOf(DocumentKey key);
    void Put(DocumentKey key, string text);
    void Delete(DocumentKey key);
    void Commit();
}
