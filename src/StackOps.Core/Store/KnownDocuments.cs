using System.Collections.Concurrent;

namespace StackOps.Core.Store;

/// <summary>
/// The documents this process read, by address, each with what tells whether its source changed
/// since (a file's stamp, a server's version and text): an unchanged document is given again as
/// the same object, so what was parsed from it is reused. Bounded: cleared whole when full.
/// </summary>
internal sealed class KnownDocuments<TStamp>
{
    private const int Capacity = 200_000;

    private readonly ConcurrentDictionary<string, (TStamp Stamp, StoredDocument Document)> _known = new(StringComparer.Ordinal);

    /// <summary>The document read from <paramref name="address"/> before, if its stamp is still <paramref name="stamp"/>; otherwise the one <paramref name="read"/> gives, remembered.</summary>
    public StoredDocument? Get(string address, TStamp stamp, Func<StoredDocument?> read)
    {
        if (_known.TryGetValue(address, out var known) && EqualityComparer<TStamp>.Default.Equals(known.Stamp, stamp)) return known.Document;
        var document = read();
        if (document is null) return null;
        if (_known.Count >= Capacity) _known.Clear();
        _known[address] = (stamp, document);
        return document;
    }
}
