using System.Data.Common;
using Dapper;

namespace StackOps.Server.Data;

/// <summary>
/// The schema, as numbered migrations applied in order at start-up, each in its own transaction
/// with the version it reaches recorded in schema_migrations. A database newer than this server
/// (a later version already applied) is refused rather than guessed at.
/// </summary>
public static class Migrations
{
    /// <summary>Timestamps are UTC text in one fixed-width format, so they sort as text in both databases.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private static readonly (int Version, string Name, Func<SqlDialect, IEnumerable<string>> Statements)[] All =
    [
        (1, "documents, principals, keys, roles, grants, audit", dialect =>
        [
            """
            CREATE TABLE documents (
                kind TEXT NOT NULL, type_key TEXT NOT NULL, name_key TEXT NOT NULL,
                type TEXT NULL, name TEXT NOT NULL, text TEXT NOT NULL, version BIGINT NOT NULL,
                owner TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
                PRIMARY KEY (kind, type_key, name_key))
            """,
            """
            CREATE TABLE principals (
                name_key TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, description TEXT NULL,
                created_at TEXT NOT NULL, created_by TEXT NOT NULL)
            """,
            """
            CREATE TABLE api_keys (
                id TEXT NOT NULL PRIMARY KEY, principal_key TEXT NOT NULL REFERENCES principals (name_key) ON DELETE CASCADE,
                hash TEXT NOT NULL, description TEXT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
                expires_at TEXT NULL, revoked_at TEXT NULL, last_used_at TEXT NULL)
            """,
            """
            CREATE TABLE roles (
                name_key TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, permissions TEXT NOT NULL, description TEXT NULL,
                created_at TEXT NOT NULL, created_by TEXT NOT NULL)
            """,
            """
            CREATE TABLE grants (
                id TEXT NOT NULL PRIMARY KEY, principal_key TEXT NOT NULL REFERENCES principals (name_key) ON DELETE CASCADE,
                role_key TEXT NOT NULL, scope_kind TEXT NULL, scope_name TEXT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)
            """,
            $"""
            CREATE TABLE audit (
                id {dialect.Identity}, at TEXT NOT NULL, principal TEXT NOT NULL, action TEXT NOT NULL, kind TEXT NULL, name TEXT NULL,
                outcome TEXT NOT NULL, error_id TEXT NULL, source TEXT NULL, detail TEXT NULL)
            """,
            "CREATE INDEX audit_at ON audit (at)",
            "CREATE INDEX audit_principal ON audit (principal)",
            .. dialect.AppendOnly("audit"),
        ]),
        (2, "connector credentials (the broker's vault)", _ =>
        [
            """
            CREATE TABLE connector_credentials (
                connector_key TEXT NOT NULL PRIMARY KEY, connector TEXT NOT NULL, binding TEXT NOT NULL, key_id TEXT NOT NULL,
                wrapped_key TEXT NOT NULL, nonce TEXT NOT NULL, ciphertext TEXT NOT NULL, tag TEXT NOT NULL,
                updated_by TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
        ]),
        (3, "trust policies (OIDC)", _ =>
        [
            """
            CREATE TABLE trust_policies (
                name_key TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, issuer TEXT NOT NULL,
                principal_key TEXT NOT NULL REFERENCES principals (name_key) ON DELETE CASCADE,
                repository TEXT NOT NULL, environment TEXT NULL, refs TEXT NOT NULL, workflow TEXT NULL,
                created_at TEXT NOT NULL, created_by TEXT NOT NULL)
            """,
        ]),
    ];

    /// <summary>The schema version this server writes.</summary>
    public static int Latest => All[^1].Version;

    public static int Apply(ServerDatabase database)
    {
        using var connection = database.Open();
        using (var transaction = database.Dialect.BeginMigration(connection))
        {
            connection.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)", transaction: transaction);
            transaction.Commit();
        }
        var applied = 0;
        foreach (var (version, name, statements) in All)
        {
            using var transaction = database.Dialect.BeginMigration(connection);
            var current = Current(connection, transaction);
            if (current > Latest)
                throw new InvalidOperationException($"The database ({database.Description}) is at schema version {current}, newer than this server's {Latest}: run a newer StackOps server.");
            if (current >= version) continue;
            foreach (var statement in statements(database.Dialect)) connection.Execute(statement, transaction: transaction);
            connection.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = DateTimeOffset.UtcNow.UtcDateTime.ToString(TimeFormat) }, transaction);
            transaction.Commit();
            applied++;
        }
        return applied;
    }

    public static int Current(DbConnection connection, DbTransaction? transaction = null) =>
        connection.ExecuteScalar<int?>("SELECT MAX(version) FROM schema_migrations", transaction: transaction) ?? 0;
}
