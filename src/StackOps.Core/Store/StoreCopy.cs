using StackOps.Core.Errors;
using StackOps.Core.Yaml;

namespace StackOps.Core.Store;

/// <summary>What a copy of a store did: the documents written, and those already there with the same text.</summary>
public sealed record StoreCopyResult(IReadOnlyList<DocumentKey> Written, IReadOnlyList<DocumentKey> Unchanged);

/// <summary>
/// Copies every document of one store into another (a repository or user store to a team server,
/// and back), all or nothing: one commit of the target, which a directory journals and a server
/// applies in one transaction. A document the target holds with another text is a conflict unless
/// force replaces it; an unreadable document of the source stops the copy before anything is written.
/// </summary>
public static class StoreCopy
{
    private static readonly string[] Kinds =
    [
        DocumentCodec.FlavorKind, DocumentCodec.SecretBackendKind, DocumentCodec.ConnectorKind, DocumentCodec.ComponentKind, DocumentCodec.StackKind,
        DocumentCodec.PipelineKind, DocumentCodec.PipelineVersionKind, DocumentCodec.LifecycleKind, DocumentCodec.PromotionKind,
    ];

    public static StoreCopyResult Copy(IStackStore from, IStackStore to, bool force)
    {
        var documents = Kinds.SelectMany(kind => from.ReadAll(kind)).ToList();
        if (documents.FirstOrDefault(d => d.Problem is not null) is { Problem: { } unreadable })
            throw new StackOpsException(unreadable.ErrorId, unreadable.Kind, $"Cannot copy the store: {unreadable.Message} Nothing was copied.", unreadable.Target, unreadable);
        var written = new List<DocumentKey>();
        var unchanged = new List<DocumentKey>();
        using var transaction = to.Begin();
        var targets = Kinds.SelectMany(kind => transaction.ReadAll(kind)).GroupBy(d => Id(d.Key)).ToDictionary(g => g.Key, g => g.First());
        foreach (var document in documents)
        {
            var existing = targets.GetValueOrDefault(Id(document.Key));
            if (existing is not null && existing.Text == document.Text)
            {
                unchanged.Add(document.Key);
                continue;
            }
            if (existing is not null && !force)
                throw new StackOpsException("StoreCopyConflict", ErrorKind.AlreadyExists,
                    $"{document.Key} is in both stores with different content ({existing.Path}). Nothing was copied: pass -Force to replace the target's documents, or reconcile them first.", document.Key.Name);
            transaction.Put(document.Key, document.Text);
            written.Add(document.Key);
        }
        transaction.Commit();
        return new StoreCopyResult(written, unchanged);
    }

    /// <summary>Names are unique regardless of case in every store.</summary>
    private static string Id(DocumentKey key) => $"{key.Kind}/{key.Type?.ToLowerInvariant()}/{key.Name.ToLowerInvariant()}";
}
