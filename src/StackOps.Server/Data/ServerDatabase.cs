using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace StackOps.Server.Data;

/// <summary>
/// The server's database: SQLite (one file, the default, for trying a server) or PostgreSQL (for a
/// team: several server instances share it). One schema and one set of migrations serve both; the
/// few places where their SQL differs are in <see cref="SqlDialect"/>.
/// </summary>
public sealed class ServerDatabase
{
    private ServerDatabase(string connectionString, SqlDialect dialect, string description)
    {
        ConnectionString = connectionString;
        Dialect = dialect;
        Description = description;
    }

    public string ConnectionString { get; }
    public SqlDialect Dialect { get; }

    /// <summary>What the database is, for logs: the SQLite file, or the PostgreSQL host and database (never a password).</summary>
    public string Description { get; }

    /// <summary>
    /// From the setting: a PostgreSQL connection string ("Host=...", or a postgres:// URL), else a
    /// SQLite file (a path, or "Data Source=..."); without one, the SQLite file in the default folder.
    /// </summary>
    public static ServerDatabase FromSetting(string? setting, string defaultFolder)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            Directory.CreateDirectory(defaultFolder);
            return Sqlite(Path.Combine(defaultFolder, "stackops.db"));
        }
        if (setting.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || setting.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return Postgres(FromUrl(setting));
        if (setting.Contains("Host=", StringComparison.OrdinalIgnoreCase))
            return Postgres(setting);
        return Sqlite(setting.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase) ? new SqliteConnectionStringBuilder(setting).DataSource : setting);
    }

    public static ServerDatabase Sqlite(string file)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(file), Pooling = true, DefaultTimeout = 30, ForeignKeys = true };
        return new ServerDatabase(builder.ToString(), SqlDialect.Sqlite, $"SQLite {builder.DataSource}");
    }

    public static ServerDatabase Postgres(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new ServerDatabase(builder.ToString(), SqlDialect.Postgres, $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}");
    }

    private static string FromUrl(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host, Port = uri.IsDefaultPort ? 5432 : uri.Port, Database = uri.AbsolutePath.Trim('/'),
            Username = Uri.UnescapeDataString(user[0]), Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
        };
        return builder.ToString();
    }

    /// <summary>An open connection (from the provider's pool).</summary>
    public DbConnection Open()
    {
        DbConnection connection = Dialect == SqlDialect.Sqlite ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        try
        {
            connection.Open();
            Dialect.Prepare(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A transaction that changes the store: one at a time, across every server instance sharing the database.</summary>
    public DbTransaction BeginWrite(DbConnection connection) => Dialect.BeginWrite(connection);
}

/// <summary>What differs between SQLite and PostgreSQL: how writers take turns, how ids count, how a table refuses changes.</summary>
public abstract class SqlDialect
{
    public static readonly SqlDialect Sqlite = new SqliteDialect();
    public static readonly SqlDialect Postgres = new PostgresDialect();

    public abstract string Name { get; }

    /// <summary>An id column that counts up by itself.</summary>
    public abstract string Identity { get; }

    /// <summary>Triggers that make a table append-only: rows are added, never changed or removed.</summary>
    public abstract IEnumerable<string> AppendOnly(string table);

    public virtual void Prepare(DbConnection connection) { }

    public abstract DbTransaction BeginWrite(DbConnection connection);

    /// <summary>Takes the migration lock (so two instances starting together do not both migrate).</summary>
    public abstract DbTransaction BeginMigration(DbConnection connection);

    private sealed class SqliteDialect : SqlDialect
    {
        public override string Name => "sqlite";
        public override string Identity => "INTEGER PRIMARY KEY AUTOINCREMENT";

        public override IEnumerable<string> AppendOnly(string table) =>
        [
            $"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            $"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ];

        public override void Prepare(DbConnection connection) => connection.Execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000;");

        // BEGIN IMMEDIATE: the write lock now, not at the first write, so two writers never deadlock on an upgrade.
        public override DbTransaction BeginWrite(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

        public override DbTransaction BeginMigration(DbConnection connection) => BeginWrite(connection);
    }

    private sealed class PostgresDialect : SqlDialect
    {
        private const long WriteLock = 0x53_74_61_63_6B_4F_70_73, MigrationLock = WriteLock + 1;

        public override string Name => "postgresql";
        public override string Identity => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

        public override IEnumerable<string> AppendOnly(string table) =>
        [
            $"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$",
            $"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ];

        public override DbTransaction BeginWrite(DbConnection connection) => Locked(connection, WriteLock);

        public override DbTransaction BeginMigration(DbConnection connection) => Locked(connection, MigrationLock);

        /// <summary>A transaction holding an advisory lock until it ends: writers from every instance take turns.</summary>
        private static DbTransaction Locked(DbConnection connection, long key)
        {
            var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
            connection.Execute("SELECT pg_advisory_xact_lock(@key)", new { key }, transaction);
            return transaction;
        }
    }
}
