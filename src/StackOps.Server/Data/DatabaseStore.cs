using System.Data.Common;
using Dapper;
using StackOps.Core.Model;
using StackOps.Core.Store;

namespace StackOps.Server.Data;

/// <summary>A document row: its text and version, and who made and last changed it.</summary>
public sealed record DocumentRow(string Kind, string? Type, string Name, string Text, long Version, string Owner, string CreatedBy, string CreatedAt,
    string UpdatedBy, string UpdatedAt);

/// <summary>
/// The documents table, read and written within a connection and (for changes) the write
/// transaction that holds every server instance's turn. Names and types are matched regardless of
/// case (a key column holds them in lower case); each change raises the document's version.
/// </summary>
public sealed class DocumentRows(DbConnection connection, DbTransaction? transaction)
{
    private const string Columns = "kind AS Kind, type AS Type, name AS Name, text AS Text, version AS Version, owner AS Owner, created_by AS CreatedBy, " +
                                   "created_at AS CreatedAt, updated_by AS UpdatedBy, updated_at AS UpdatedAt";

    public DocumentRow? Find(DocumentKey key) =>
        connection.QuerySingleOrDefault<DocumentRow>($"SELECT {Columns} FROM documents WHERE kind = @kind AND type_key = @type AND name_key = @name",
            new { kind = key.Kind, type = TypeKey(key.Type), name = key.Name.ToLowerInvariant() }, transaction);

    public IReadOnlyList<DocumentRow> All(string kind, string? type) => Each(kind, type).ToList();

    /// <summary>The documents of a kind (of a type) in order, each as the database gives it: the connection stays busy until the last is read.</summary>
    public IEnumerable<DocumentRow> Each(string kind, string? type) => type is null
        ? connection.Query<DocumentRow>($"SELECT {Columns} FROM documents WHERE kind = @kind ORDER BY type_key, name_key", new { kind }, transaction, buffered: false)
        : connection.Query<DocumentRow>($"SELECT {Columns} FROM documents WHERE kind = @kind AND type_key = @type ORDER BY name_key",
            new { kind, type = TypeKey(type) }, transaction, buffered: false);

    /// <summary>Writes a document: a new row at version 1 owned by the principal, or the next version of the existing one (its stored name's case follows the new text).</summary>
    public DocumentRow Put(DocumentKey key, string text, string principal, DateTimeOffset at)
    {
        var now = at.UtcDateTime.ToString(Migrations.TimeFormat);
        var existing = Find(key);
        if (existing is null)
        {
            connection.Execute("""
                INSERT INTO documents (kind, type_key, name_key, type, name, text, version, owner, created_by, created_at, updated_by, updated_at)
                VALUES (@Kind, @TypeKey, @NameKey, @Type, @Name, @Text, 1, @Principal, @Principal, @Now, @Principal, @Now)
                """, new { key.Kind, TypeKey = TypeKey(key.Type), NameKey = key.Name.ToLowerInvariant(), key.Type, key.Name, Text = text, Principal = principal, Now = now }, transaction);
            return new DocumentRow(key.Kind, key.Type, key.Name, text, 1, principal, principal, now, principal, now);
        }
        connection.Execute("""
            UPDATE documents SET name = @Name, type = @Type, text = @Text, version = version + 1, updated_by = @Principal, updated_at = @Now
            WHERE kind = @Kind AND type_key = @TypeKey AND name_key = @NameKey
            """, new { key.Kind, TypeKey = TypeKey(key.Type), NameKey = key.Name.ToLowerInvariant(), key.Type, key.Name, Text = text, Principal = principal, Now = now }, transaction);
        return existing with { Name = key.Name, Type = key.Type, Text = text, Version = existing.Version + 1, UpdatedBy = principal, UpdatedAt = now };
    }

    public void Delete(DocumentKey key) =>
        connection.Execute("DELETE FROM documents WHERE kind = @kind AND type_key = @type AND name_key = @name",
            new { kind = key.Kind, type = TypeKey(key.Type), name = key.Name.ToLowerInvariant() }, transaction);

    private static string TypeKey(string? type) => type?.ToLowerInvariant() ?? "";
}

/// <summary>
/// The server database's documents as a StackOps store: the engine's rules (and the store contract
/// tests) run over it as over a directory. Standalone, each read uses its own connection and a
/// transaction takes the database's write turn until it commits; within a request's write
/// transaction (<see cref="Within"/>) reads see what the request has written so far.
/// </summary>
public sealed class DatabaseStore : IStackStore
{
    private readonly ServerDatabase _database;
    private readonly (DbConnection Connection, DbTransaction Transaction)? _within;
    private readonly TimeProvider _clock;

    public DatabaseStore(ServerDatabase database, string principal, TimeProvider? clock = null)
    {
        _database = database;
        Identity = principal;
        _clock = clock ?? TimeProvider.System;
    }

    private DatabaseStore(ServerDatabase database, string principal, DbConnection connection, DbTransaction transaction, TimeProvider clock)
        : this(database, principal, clock) => _within = (connection, transaction);

    /// <summary>A read-only view of the documents inside an open write transaction.</summary>
    public static DatabaseStore Within(ServerDatabase database, string principal, DbConnection connection, DbTransaction transaction, TimeProvider clock) =>
        new(database, principal, connection, transaction, clock);

    public StoreScope Scope => StoreScope.Server;
    public string? Identity { get; }

    public static string PathOf(DocumentKey key) => $"stackops-server:/{key.Kind}/{(key.Type is null ? "" : key.Type + "/")}{key.Name}";

    public static StoredDocument ToStored(DocumentRow row) =>
        new(new DocumentKey(row.Kind, row.Name, row.Type), PathOf(new DocumentKey(row.Kind, row.Name, row.Type)), row.Text, Version: row.Version);

    public StoredDocument? Read(DocumentKey key) => Rows(rows => rows.Find(key) is { } row ? ToStored(row) : null);

    public IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null) => Rows(rows => rows.All(kind, type).Select(ToStored).ToList());

    public IStoreTransaction Begin()
    {
        if (_within is not null) throw new InvalidOperationException("a view inside a request's transaction cannot begin another");
        return new Transaction(this);
    }

    private T Rows<T>(Func<DocumentRows, T> read)
    {
        if (_within is { } open) return read(new DocumentRows(open.Connection, open.Transaction));
        using var connection = _database.Open();
        return read(new DocumentRows(connection, null));
    }

    private sealed class Transaction : IStoreTransaction
    {
        private readonly DatabaseStore _store;
        private readonly DbConnection _connection;
        private readonly DbTransaction _transaction;
        private readonly DocumentRows _rows;
        private readonly Dictionary<string, (DocumentKey Key, string? Text)> _pending = new(StringComparer.Ordinal);

        public Transaction(DatabaseStore store)
        {
            _store = store;
            _connection = store._database.Open();
            _transaction = store._database.BeginWrite(_connection);
            _rows = new DocumentRows(_connection, _transaction);
        }

        private static string Id(DocumentKey key) => $"{key.Kind}/{key.Type?.ToLowerInvariant()}/{key.Name.ToLowerInvariant()}";

        public StoredDocument? Read(DocumentKey key)
        {
            if (_pending.TryGetValue(Id(key), out var pending)) return pending.Text is null ? null : new StoredDocument(pending.Key, PathOf(pending.Key), pending.Text);
            return _rows.Find(key) is { } row ? ToStored(row) : null;
        }

        public IReadOnlyList<StoredDocument> ReadAll(string kind, string? type = null)
        {
            var documents = _rows.All(kind, type).Select(ToStored).Where(d => !_pending.ContainsKey(Id(d.Key))).ToList();
            documents.AddRange(_pending.Values.Where(p => p.Text is not null && p.Key.Kind == kind && (type is null || string.Equals(p.Key.Type, type, StringComparison.OrdinalIgnoreCase)))
                .Select(p => new StoredDocument(p.Key, PathOf(p.Key), p.Text!)));
            return documents;
        }

        string IStoreTransaction.PathOf(DocumentKey key) => DatabaseStore.PathOf(key);

        public void Put(DocumentKey key, string text) => _pending[Id(key)] = (key, text);

        public void Delete(DocumentKey key) => _pending[Id(key)] = (key, null);

        public void Commit()
        {
            var now = _store._clock.GetUtcNow();
            foreach (var (key, text) in _pending.Values)
            {
                if (text is null) _rows.Delete(key);
                else _rows.Put(key, text, _store.Identity!, now);
            }
            _transaction.Commit();
            _pending.Clear();
        }

        public void Dispose()
        {
            _transaction.Dispose();
            _connection.Dispose();
        }
    }
}
