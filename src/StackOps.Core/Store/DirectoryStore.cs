using System.Text;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Yaml;

namespace StackOps.Core.Store;

/// <summary>
/// A directory of YAML documents, one per file: stacks/NAME.yaml, components/TYPE/NAME.yaml,
/// flavors/TYPE/NAME.yaml, secret-backends/NAME.yaml, connectors/NAME.yaml, pipelines/NAME.yaml,
/// pipeline-versions/PIPELINE/VERSION.yaml, promotions/ID.yaml and lifecycle.yaml. Writes go to a temporary file that is flushed and renamed over the
/// target, under an exclusive lock on the store's .lock file, so concurrent processes lose no
/// update and a crash leaves the old or the new file, never half of one.
/// </summary>
public sealed class DirectoryStore : IStackStore
{
    private const string LockFileName = ".lock";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    public DirectoryStore(string root, StoreScope scope)
    {
        Root = Path.GetFullPath(root);
        Scope = scope;
    }

    public string Root { get; }
    public StoreScope Scope { get; }

    public StoredDocument? Read(DocumentKey key)
    {
        var path = Find(key);
        return path is null ? null : Load(key, path);
    }

    public IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null)
    {
        if (kind == DocumentCodec.LifecycleKind)
            return Read(new DocumentKey(kind, System.IO.Path.GetFileNameWithoutExtension(LifecycleFile))) is { } lifecycle ? [lifecycle] : [];
        var result = new List<StoredDocument>();
        foreach (var (folder, folderType) in Folders(kind, type))
        {
            if (!Directory.Exists(folder)) continue;
            foreach (var file in Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
            {
                var name = System.IO.Path.GetFileNameWithoutExtension(file);
                if (name.StartsWith('.')) continue;
                var document = Load(new DocumentKey(kind, name, folderType), file);
                if (document is not null) result.Add(document);
            }
        }
        return result;
    }

    public IStoreTransaction Begin() => new Transaction(this, AcquireLock(Root));

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
        if (key.Kind == DocumentCodec.LifecycleKind) return System.IO.Path.Combine(Root, LifecycleFile);
        if (!Layout.TryGetValue(key.Kind, out var layout)) throw new ArgumentException($"unknown document kind {key.Kind}", nameof(key));
        return layout.Typed
            ? System.IO.Path.Combine(Root, layout.Folder, key.Type!, key.Name + ".yaml")
            : System.IO.Path.Combine(Root, layout.Folder, key.Name + ".yaml");
    }

    private IEnumerable<(string Folder, string? Type)> Folders(string kind, string? type)
    {
        var (folder, typed) = Layout[kind];
        var root = System.IO.Path.Combine(Root, folder);
        if (!typed) return [(root, null)];
        if (type is not null) return [(System.IO.Path.Combine(root, type), type)];
        var types = kind is DocumentCodec.ComponentKind or DocumentCodec.FlavorKind ? ComponentTypes.All
            : Directory.Exists(root) ? Directory.EnumerateDirectories(root).Select(d => System.IO.Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList() : [];
        return types.Select(t => (System.IO.Path.Combine(root, t), (string?)t));
    }

    /// <summary>The file of a document: the exact name, else the one name that differs only in case (names are case-insensitive).</summary>
    private string? Find(DocumentKey key)
    {
        var exact = PathOf(key);
        if (File.Exists(exact)) return exact;
        var folder = System.IO.Path.GetDirectoryName(exact)!;
        if (!Directory.Exists(folder)) return null;
        return Directory.EnumerateFiles(folder, "*.yaml").FirstOrDefault(f =>
            string.Equals(System.IO.Path.GetFileNameWithoutExtension(f), key.Name, StringComparison.OrdinalIgnoreCase));
    }

    private static StoredDocument? Load(DocumentKey key, string path)
    {
        try
        {
            return new StoredDocument(key with { Name = System.IO.Path.GetFileNameWithoutExtension(path) }, path, ReadShared(path));
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>Reads a file while letting a writer replace it (on Windows a rename over an open file needs FileShare.Delete).</summary>
    internal static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Writes a file so that readers see the old or the new content, never a mix.</summary>
    public static void WriteAtomically(string path, string text) => WriteAtomically(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes bytes atomically; with ownerOnly, the file is created readable and writable by its owner alone (0600 on Unix).</summary>
    public static void WriteAtomically(string path, byte[] bytes, bool ownerOnly = false)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (ownerOnly && !OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            ReplaceWith(temporary, path);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Renames over the target; on Windows an antivirus or indexer may hold it for a moment, so retry briefly.</summary>
    private static void ReplaceWith(string temporary, string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                File.Move(temporary, path, overwrite: true);
                return;
            }
            catch (Exception e) when (attempt < 20 && e is IOException or UnauthorizedAccessException && OperatingSystem.IsWindows())
            {
                Thread.Sleep(10 * attempt);
            }
        }
    }

    /// <summary>Holds the folder's exclusive lock (an OS file lock, released if the process dies).</summary>
    public static IDisposable AcquireLock(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = System.IO.Path.Combine(folder, LockFileName);
        var deadline = DateTime.UtcNow + LockTimeout;
        var delay = 1;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(delay, delay * 2 + 1));
                delay = Math.Min(delay * 2, 50);
            }
            catch (IOException e)
            {
                throw Fail.StoreLocked(folder, LockTimeout, e);
            }
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
            var existing = _store.Find(key);
            if (existing is not null) _pending[existing] = (key, null);
        }

        public void Commit()
        {
            var written = _pending.Where(p => p.Value.Text is not null).Select(p => p.Key).ToList();
            foreach (var path in written) WriteAtomically(path, _pending[path].Text!);
            // On a case-insensitive file system a rename that only changes case wrote the same file it would delete.
            var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            foreach (var (path, _) in _pending.Where(p => p.Value.Text is null))
                if (!written.Any(w => string.Equals(w, path, comparison))) File.Delete(path);
            _pending.Clear();
        }

        public void Dispose() => _lock.Dispose();

        private static bool Same(DocumentKey a, DocumentKey b) =>
            a.Kind == b.Kind && a.Type == b.Type && string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);
    }
}
