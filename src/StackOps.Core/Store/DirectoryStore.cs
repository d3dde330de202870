using StackOps.Core.Errors;
using StackOps.Core.IO;
using StackOps.Core.Model;
using StackOps.Core.Yaml;

namespace StackOps.Core.Store;

/// <summary>
/// A directory of YAML documents, one per file: stacks/NAME.yaml, components/TYPE/NAME.yaml,
/// flavors/TYPE/NAME.yaml, secret-backends/NAME.yaml, connectors/NAME.yaml, pipelines/NAME.yaml,
/// pipeline-versions/PIPELINE/VERSION.yaml, promotions/ID.yaml and lifecycle.yaml. Changes hold the
/// store's lock; each file is written atomically (see <see cref="SafeFiles"/>), and a change of
/// several files goes through a journal (see <see cref="StoreJournal"/>), so concurrent processes
/// lose no update and a killed one leaves all of its change or none. Reads stay inside the root
/// (<see cref="StoreContainment"/>) and within <see cref="YamlLimits"/>.
/// </summary>
public sealed class DirectoryStore : IStackStore
{
    private readonly StoreContainment _containment;

    public DirectoryStore(string root, StoreScope scope)
    {
        Root = Path.GetFullPath(root);
        Scope = scope;
        if (File.Exists(Root)) throw SafeFiles.NotAFolder(Root);
        _containment = new StoreContainment(Root, scope == StoreScope.Repository ? Path.GetDirectoryName(Root) : null);
        if (File.Exists(JournalPath)) Guard(() =>
        {
            _containment.Check(Root);
            using var _ = SafeFiles.AcquireLock(Root);
            FinishInterruptedChange();
            return 0;
        });
    }

    public string Root { get; }
    public StoreScope Scope { get; }
    public string? Identity => null;

    private string JournalPath => Path.Combine(Root, StoreJournal.FileName);
    private string TemporaryFolder => Path.Combine(Root, SafeFiles.TemporaryFolderName);

    public StoredDocument? Read(DocumentKey key) => Guard(() => Find(key) is { } path ? LoadUnlessUnchanged(key, new FileInfo(path)) : null);

    public IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null) => Guard(() => ReadEach(kind, type).ToList());

    public IEnumerable<StoredDocument> ReadEach(string kind, string? type = null)
    {
        if (kind == DocumentCodec.LifecycleKind)
        {
            if (Read(new DocumentKey(kind, Path.GetFileNameWithoutExtension(LifecycleFile))) is { } lifecycle) yield return lifecycle;
            yield break;
        }
        foreach (var (folder, folderType) in Guard(() => Folders(kind, type).ToList()))
        {
            var names = Guard(() =>
            {
                if (!Directory.Exists(folder)) return [];
                _containment.Check(folder);
                // Names, then sorted: the first document of a folder of thousands waits for this (FileInfo objects and OrderBy took four times as long).
                var found = Directory.EnumerateFiles(folder, "*.yaml").Select(path => Path.GetFileName(path)).ToArray();
                Array.Sort(found, NameOrder.Instance);
                return found;
            });
            foreach (var name in names)
            {
                var file = new FileInfo(Path.Combine(folder, name));
                var key = new DocumentKey(kind, Path.GetFileNameWithoutExtension(file.Name), folderType);
                StoredDocument? document;
                try { document = Guard(() => LoadUnlessUnchanged(key, file)); }
                catch (StackOpsException problem) { document = new StoredDocument(key, file.FullName, "", problem); }
                if (document is not null) yield return document;
            }
        }
    }

    /// <summary>Names in any case together (a pair that differs only in case is one conflict), then ordinal.</summary>
    private sealed class NameOrder : IComparer<string>
    {
        public static readonly NameOrder Instance = new();

        public int Compare(string? a, string? b) =>
            StringComparer.OrdinalIgnoreCase.Compare(a, b) is var order && order != 0 ? order : StringComparer.Ordinal.Compare(a, b);
    }

    /// <summary>
    /// A document read outside a change: a regular file whose size and times of last write and status
    /// change are those of the text this process read from it before is that text again (listings of
    /// a large store then read only what changed, and lookups parse nothing new); anything else is
    /// read as <see cref="Load"/> reads it.
    /// </summary>
    private StoredDocument? LoadUnlessUnchanged(DocumentKey key, FileInfo file)
    {
        if ((file.Attributes & FileAttributes.ReparsePoint) != 0 || SafeFiles.Stamp(file) is not { } stamp) return Load(key, file.FullName);
        return ReadDocuments.Get(file.FullName, stamp, () => Load(key, file.FullName));
    }

    private static readonly KnownDocuments<(long, long, long, long)> ReadDocuments = new();

    public IStoreTransaction Begin() => Guard(() =>
    {
        _containment.Check(Root);
        var handle = SafeFiles.AcquireLock(Root);
        try
        {
            FinishInterruptedChange();
            return new Transaction(this, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    });

    /// <summary>Where each kind lives: its folder, and whether a type (component type, pipeline) names a subfolder.</summary>
    private static readonly Dictionary<string, (string Folder, bool Typed)> Layout = new()
    {
        [DocumentCodec.StackKind] = ("stacks", false),
        [DocumentCodec.ComponentKind] = ("components", true),
        [DocumentCodec.FlavorKind] = ("flavors", true),
        [DocumentCodec.SecretBackendKind] = ("secret-backends", false),
        [DocumentCodec.ConnectorKind] = ("connectors", false),
        [DocumentCodec.PipelineKind] = ("pipelines", false),
        [DocumentCodec.PipelineVersionKind] = ("pipeline-versions", true),
        [DocumentCodec.PromotionKind] = ("promotions", false),
    };

    /// <summary>The one lifecycle of a store is lifecycle.yaml at its root.</summary>
    private const string LifecycleFile = "lifecycle.yaml";

    public string PathOf(DocumentKey key)
    {
        if (key.Kind == DocumentCodec.LifecycleKind) return Path.Combine(Root, LifecycleFile);
        if (!Layout.TryGetValue(key.Kind, out var layout)) throw new ArgumentException($"unknown document kind {key.Kind}", nameof(key));
        // Names reach this point validated; checking again keeps a path out of a hostile journal or a caller's mistake.
        NameRules.Validate(key.Kind, key.Name);
        if (layout.Typed)
        {
            var folder = key.Kind is DocumentCodec.ComponentKind or DocumentCodec.FlavorKind ? ComponentTypes.Normalize(key.Type!) : NameRules.Validate(key.Kind, key.Type);
            return Path.Combine(Root, layout.Folder, folder, key.Name + ".yaml");
        }
        return Path.Combine(Root, layout.Folder, key.Name + ".yaml");
    }

    private IEnumerable<(string Folder, string? Type)> Folders(string kind, string? type)
    {
        var (folder, typed) = Layout[kind];
        var root = Path.Combine(Root, folder);
        if (!typed) return [(root, null)];
        if (type is not null) return [(Path.Combine(root, type), type)];
        var types = kind is DocumentCodec.ComponentKind or DocumentCodec.FlavorKind ? ComponentTypes.All
            : Directory.Exists(root) ? Directory.EnumerateDirectories(root).Select(d => Path.GetFileName(d)).Where(t => NameRules.Problem(t) is null).Order(StringComparer.Ordinal).ToList() : [];
        return types.Select(t => (Path.Combine(root, t), (string?)t));
    }

    private static readonly EnumerationOptions AnyCase = new() { MatchCasing = MatchCasing.CaseInsensitive, RecurseSubdirectories = false };

    /// <summary>
    /// The file of a document: its exact name, else its name in another case (names are
    /// case-insensitive), where a folder holding the name in two cases (possible on Linux) is an
    /// error rather than a guess. Listings report such pairs whatever was asked.
    /// </summary>
    private string? Find(DocumentKey key)
    {
        var exact = PathOf(key);
        var folder = Path.GetDirectoryName(exact)!;
        if (!Directory.Exists(folder)) return null;
        _containment.Check(folder);
        if (File.Exists(exact)) return exact;
        var matches = Directory.GetFiles(folder, Path.GetFileName(exact), AnyCase);
        return matches.Length switch
        {
            0 => null,
            1 => matches[0],
            _ => throw Fail.NameConflict(key.ToString(), matches),
        };
    }

    private StoredDocument? Load(DocumentKey key, string path)
    {
        _containment.CheckFile(path);
        var text = SafeFiles.ReadTextIfExists(path, YamlLimits.MaxDocumentBytes, "InvalidYaml");
        return text is null ? null : new StoredDocument(key with { Name = Path.GetFileNameWithoutExtension(path) }, path, text);
    }

    /// <summary>Replays the journal a killed change left (the caller holds the lock), then removes it.</summary>
    private void FinishInterruptedChange()
    {
        if (StoreJournal.Read(JournalPath) is not { } entries) return;
        Apply(entries);
        File.Delete(JournalPath);
    }

    private void Apply(IReadOnlyList<StoreJournal.Entry> entries)
    {
        foreach (var entry in entries)
        {
            var key = new DocumentKey(entry.Kind, entry.Name, entry.Type);
            var path = PathOf(key);
            _containment.Check(path);
            if (entry.Text is not null) SafeFiles.WriteAtomically(path, entry.Text, temporaryFolder: TemporaryFolder);
            else if (File.Exists(path)) File.Delete(path);
        }
    }

    /// <summary>Runs store I/O; a failure of the file system becomes an error that names the store and says what to check.</summary>
    private T Guard<T>(Func<T> io)
    {
        try { return io(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StackOpsException("StoreUnusable", ErrorKind.InvalidOperation,
                $"The store at '{Root}' cannot be used: {e.Message} Check that its folders and files are yours and writable, and that the disk has room.", Root, e);
        }
    }

    private sealed class Transaction : IStoreTransaction
    {
        private readonly DirectoryStore _store;
        private readonly IDisposable _lock;
        private readonly Dictionary<string, (DocumentKey Key, string? Text)> _pending = new(StringComparer.Ordinal);

        public Transaction(DirectoryStore store, IDisposable lockHandle)
        {
            _store = store;
            _lock = lockHandle;
        }

        public StoredDocument? Read(DocumentKey key)
        {
            var pending = _pending.Where(p => Same(p.Value.Key, key)).OrderBy(p => p.Value.Text is null).ToList();
            if (pending.Count > 0) return pending[0].Value.Text is null ? null : new StoredDocument(pending[0].Value.Key, pending[0].Key, pending[0].Value.Text!);
            return _store.Read(key);
        }

        public IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null)
        {
            var documents = _store.ReadAll(kind, type).Where(d => !_pending.ContainsKey(d.Path)).ToList();
            documents.AddRange(_pending.Where(p => p.Value.Text is not null && p.Value.Key.Kind == kind && (type is null || p.Value.Key.Type == type))
                .Select(p => new StoredDocument(p.Value.Key, p.Key, p.Value.Text!)));
            return documents;
        }

        public string PathOf(DocumentKey key) => _store.PathOf(key);

        public void Put(DocumentKey key, string text) => _pending[_store.PathOf(key)] = (key, text);

        public void Delete(DocumentKey key)
        {
            _pending.Remove(_store.PathOf(key));
            var existing = _store.Guard(() => _store.Find(key));
            if (existing is not null) _pending[existing] = (key with { Name = Path.GetFileNameWithoutExtension(existing) }, null);
        }

        public void Commit() => _store.Guard(() =>
        {
            // On a case-insensitive file system a rename that only changes case writes the same file it deletes: keep the write.
            var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            var written = _pending.Where(p => p.Value.Text is not null).Select(p => p.Key).ToList();
            var entries = _pending.Where(p => p.Value.Text is not null || !written.Any(w => string.Equals(w, p.Key, comparison)))
                .OrderBy(p => p.Value.Text is null)
                .Select(p => new StoreJournal.Entry(p.Value.Key.Kind, p.Value.Key.Type, p.Value.Key.Name, p.Value.Text)).ToList();
            if (entries.Count > 1)
            {
                StoreJournal.Write(_store.JournalPath, entries, _store.TemporaryFolder);
                _store.Apply(entries);
                File.Delete(_store.JournalPath);
            }
            else _store.Apply(entries);
            _pending.Clear();
            return 0;
        });

        public void Dispose() => _lock.Dispose();

        private static bool Same(DocumentKey a, DocumentKey b) =>
            a.Kind == b.Kind && a.Type == b.Type && string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);
    }
}
