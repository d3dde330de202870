using StackOps.Core.Model;
using StackOps.Core.Yaml;

namespace StackOps.Core.Store.Remote;

/// <summary>
/// The team server's store, seen from a client: the same documents as a directory store, read
/// through the server (which shows only what the caller may read) and changed in commits the
/// server checks and applies all at once. A transaction remembers the version of every document it
/// read, and the server refuses a change based on a version that is no longer current
/// (ConcurrentChange, naming who changed it): no lost update, without holding a lock between calls.
/// </summary>
public sealed class RemoteStore(ServerClient client) : IStackStore
{
    private string? _identity;

    public StoreScope Scope => StoreScope.Server;

    /// <summary>The principal the server knows the caller as (asked once, when first needed).</summary>
    public string? Identity => _identity ??= Client.Get<MeBody>(ServerRoutes.Me).Principal;

    public ServerClient Client { get; } = client;

    public StoredDocument? Read(DocumentKey key) =>
        Client.Find<DocumentBody>($"{ServerRoutes.Documents}/{ServerClient.Escape(key.Kind)}/{ServerClient.Escape(key.Name)}{TypeQuery(key.Type)}") is { } body ? ToStored(body) : null;

    public IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null) => ReadEach(kind, type).ToList();

    /// <summary>The documents as the server streams them, each given as soon as it has arrived.</summary>
    public IEnumerable<StoredDocument> ReadEach(string kind, string? type = null) =>
        Client.Each<DocumentBody>($"{ServerRoutes.Documents}/{ServerClient.Escape(kind)}{TypeQuery(type)}").Select(ToStored);

    public IStoreTransaction Begin() => new Transaction(this);

    /// <summary>A document's address on the server, for messages and the Path of the objects returned.</summary>
    public string PathOf(DocumentKey key) =>
        $"{Client.Server}{ServerRoutes.Documents}/{key.Kind}/{(key.Type is null ? "" : key.Type + "/")}{key.Name}";

    private static string TypeQuery(string? type) => type is null ? "" : $"?type={ServerClient.Escape(type)}";

    /// <summary>
    /// A document as the server sent it; when it sent the same version and text before, the document
    /// read then, so that what was parsed from it is reused (a listing of thousands of stacks parses
    /// only what changed). The server still sends every document and decides what the caller may read.
    /// </summary>
    private StoredDocument ToStored(DocumentBody body)
    {
        var key = new DocumentKey(body.Kind, body.Name, body.Type);
        var path = PathOf(key);
        return Known.Get(path, (body.Version, body.Text), () => new StoredDocument(key, path, body.Text, Version: body.Version))!;
    }

    private static readonly KnownDocuments<(long Version, string Text)> Known = new();

    private sealed class Transaction(RemoteStore store) : IStoreTransaction
    {
        private readonly Dictionary<DocumentKey, long> _seen = new(KeyComparer.Instance);
        private readonly Dictionary<DocumentKey, string?> _pending = new(KeyComparer.Instance);

        public StoredDocument? Read(DocumentKey key)
        {
            if (_pending.TryGetValue(key, out var text))
                return text is null ? null : new StoredDocument(key, store.PathOf(key), text);
            var stored = store.Read(key);
            _seen.TryAdd(key, stored?.Version ?? 0);
            return stored;
        }

        public IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null)
        {
            var documents = store.ReadAll(kind, type).Where(d => !_pending.ContainsKey(d.Key)).ToList();
            foreach (var document in documents) _seen.TryAdd(document.Key, document.Version);
            documents.AddRange(_pending.Where(p => p.Value is not null && p.Key.Kind == kind && (type is null || p.Key.Type == type))
                .Select(p => new StoredDocument(p.Key, store.PathOf(p.Key), p.Value!)));
            return documents;
        }

        public string PathOf(DocumentKey key) => store.PathOf(key);

        public void Put(DocumentKey key, string text) => _pending[key] = text;

        public void Delete(DocumentKey key) => _pending[key] = null;

        public void Commit()
        {
            if (_pending.Count == 0) return;
            var changes = _pending.Select(p => new ChangeBody(p.Key.Kind, p.Key.Type, p.Key.Name, p.Value, BaseVersion(p.Key))).ToList();
            store.Client.Post<CommitResultBody>(ServerRoutes.Commit, new CommitBody(changes));
            _pending.Clear();
        }

        /// <summary>The version the change is based on: the one read in this transaction, else the one stored now.</summary>
        private long BaseVersion(DocumentKey key)
        {
            if (_seen.TryGetValue(key, out var version)) return version;
            return store.Read(key)?.Version ?? 0;
        }

        public void Dispose() { }
    }

    /// <summary>Names are unique regardless of case, on the server as in a directory.</summary>
    private sealed class KeyComparer : IEqualityComparer<DocumentKey>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(DocumentKey? a, DocumentKey? b) =>
            a is not null && b is not null && a.Kind == b.Kind && string.Equals(a.Type, b.Type, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode(DocumentKey key) =>
            HashCode.Combine(key.Kind, StringComparer.OrdinalIgnoreCase.GetHashCode(key.Type ?? ""), StringComparer.OrdinalIgnoreCase.GetHashCode(key.Name));
    }
}
