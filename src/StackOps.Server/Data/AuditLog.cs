using System.Data.Common;
using Dapper;
using StackOps.Core.Access;
using StackOps.Core.Store.Remote;

namespace StackOps.Server.Data;

/// <summary>One thing that happened: who did what to which resource, from where, and how it ended.</summary>
public sealed record AuditEvent(string Principal, string Action, string? Kind, string? Name, string Outcome, string? ErrorId = null, string? Source = null, string? Detail = null);

/// <summary>
/// The append-only audit log: every change, login, grant and denial. The database refuses to
/// change or remove a row (triggers), whoever asks. It holds names, kinds, versions and error ids:
/// never a document's text, a key or a secret value.
/// </summary>
public sealed class AuditLog(ServerDatabase database, TimeProvider clock)
{
    public const string Allowed = AuditOutcomes.Allowed, Denied = AuditOutcomes.Denied, Failed = AuditOutcomes.Failed;

    /// <summary>Appends within an open transaction (a change and its record commit together).</summary>
    public void Append(DbConnection connection, DbTransaction? transaction, AuditEvent entry) =>
        connection.Execute("""
            INSERT INTO audit (at, principal, action, kind, name, outcome, error_id, source, detail)
            VALUES (@At, @Principal, @Action, @Kind, @Name, @Outcome, @ErrorId, @Source, @Detail)
            """, new
        {
            At = clock.GetUtcNow().UtcDateTime.ToString(Migrations.TimeFormat), entry.Principal, entry.Action, entry.Kind, entry.Name, entry.Outcome,
            entry.ErrorId, entry.Source, Detail = entry.Detail is { Length: > 500 } detail ? detail[..500] : entry.Detail,
        }, transaction);

    /// <summary>Appends on its own (a denial or a failure, after the change it refused was rolled back).</summary>
    public void Append(AuditEvent entry)
    {
        using var connection = database.Open();
        Append(connection, null, entry);
    }

    /// <summary>A page of entries, newest first, filtered; Next is the id to ask for the following page with.</summary>
    public AuditPageBody Read(string? principal, string? action, string? kind, string? name, string? outcome, DateTimeOffset? since, DateTimeOffset? until,
        long? before, int limit)
    {
        limit = Math.Clamp(limit, 1, 1000);
        using var connection = database.Open();
        // Only the filters given become SQL: PostgreSQL cannot type a parameter that is only ever compared with NULL.
        var filters = new (object? Value, string Clause)[]
        {
            (principal, "LOWER(principal) = @principal"), (action, "action = @action"), (kind, "kind = @kind"), (name, "LOWER(name) = @name"),
            (outcome, "outcome = @outcome"), (since, "at >= @since"), (until, "at < @until"), (before, "id < @before"),
        }.Where(f => f.Value is not null).Select(f => f.Clause).ToList();
        var rows = connection.Query($"""
            SELECT id, at, principal, action, kind, name, outcome, error_id, source, detail FROM audit
            {(filters.Count == 0 ? "" : "WHERE " + string.Join(" AND ", filters))}
            ORDER BY id DESC LIMIT @take
            """, new
        {
            principal = principal?.ToLowerInvariant(), action, kind, name = name?.ToLowerInvariant(), outcome,
            since = since?.UtcDateTime.ToString(Migrations.TimeFormat), until = until?.UtcDateTime.ToString(Migrations.TimeFormat), before, take = limit + 1,
        }).ToList();
        var entries = rows.Take(limit).Select(r => new AuditEntryBody((long)r.id, DateTimeOffset.Parse((string)r.at, System.Globalization.CultureInfo.InvariantCulture),
            (string)r.principal, (string)r.action, (string?)r.kind, (string?)r.name, (string)r.outcome, (string?)r.error_id, (string?)r.source, (string?)r.detail)).ToList();
        return new AuditPageBody(entries, rows.Count > limit ? entries[^1].Id : null);
    }
}
