using Dapper;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Pipelines;
using StackOps.Core.Store;
using StackOps.Core.Store.Remote;
using StackOps.Core.Yaml;
using StackOps.Server.Data;

namespace StackOps.Server.Api;

/// <summary>
/// The store over HTTP: documents listed (those the caller may read) and read one by one, and
/// commits of changes that the server checks whole before any is applied — versions (no lost
/// update), parsing, permissions, then the store's integrity once applied — and records in the
/// audit log with the change itself, in one transaction.
/// </summary>
public sealed class DocumentService(ServerDatabase database, AccessData access, AuditLog audit, CredentialVault vault, ServerEngines engines, TimeProvider clock)
{
    /// <summary>The most changes one commit may carry (an import of a large store is several).</summary>
    public const int MaxChanges = 10_000;

    private static readonly HashSet<string> Kinds =
    [
        DocumentCodec.StackKind, DocumentCodec.ComponentKind, DocumentCodec.FlavorKind, DocumentCodec.SecretBackendKind, DocumentCodec.ConnectorKind,
        DocumentCodec.PipelineKind, DocumentCodec.PipelineVersionKind, DocumentCodec.LifecycleKind, DocumentCodec.PromotionKind,
    ];

    /// <summary>The documents of a kind that the caller may read, each as it is read (the answer streams): the kind and the caller are checked first.</summary>
    public IEnumerable<DocumentBody> List(Caller caller, string kind, string? type)
    {
        CheckKind(kind);
        return Readable(access.Policy(caller.Name), kind, type);
    }

    private IEnumerable<DocumentBody> Readable(AccessPolicy policy, string kind, string? type)
    {
        using var connection = database.Open();
        // PostgreSQL plans a listing for its last row: it sorts the whole kind before giving the first. In
        // key order from the primary key's index, the first rows come at once and the whole as fast.
        using var listing = database.Dialect == SqlDialect.Postgres ? connection.BeginTransaction() : null;
        if (listing is not null) connection.Execute("SET LOCAL enable_sort = off", transaction: listing);
        foreach (var row in new DocumentRows(connection, listing).Each(kind, type))
            if (policy.Allows(ResourceKinds.Of(row.Kind), ResourceName(row), AccessActions.Read)) yield return Body(row);
    }

    public DocumentBody? Get(Caller caller, DocumentKey key)
    {
        CheckKind(key.Kind);
        using var connection = database.Open();
        var row = new DocumentRows(connection, null).Find(key);
        if (row is null) return null;
        var policy = access.Policy(caller.Name);
        var (kind, name) = (ResourceKinds.Of(row.Kind), ResourceName(row));
        if (!policy.Allows(kind, name, AccessActions.Read)) throw Denied(caller, policy, new Requirement(kind, name, AccessActions.Read), "read");
        return Body(row);
    }

    /// <summary>
    /// Applies a commit; <paramref name="alongside"/> runs in the same transaction once the changes
    /// are applied and checked (the broker saves a connector's credentials with its document).
    /// </summary>
    public CommitResultBody Commit(Caller caller, CommitBody body, Action<System.Data.Common.DbConnection, System.Data.Common.DbTransaction>? alongside = null)
    {
        if (body.Changes is not { Count: > 0 } requested)
            throw new StackOpsException("InvalidRequest", ErrorKind.InvalidArgument, "The commit holds no change.");
        if (requested.Count > MaxChanges)
            throw new StackOpsException("RequestTooLarge", ErrorKind.InvalidArgument, $"A commit holds at most {MaxChanges:N0} changes; this one holds {requested.Count:N0}. Send it in parts.");
        var keys = requested.Select(KeyOf).ToList();
        var policy = access.Policy(caller.Name);
        VerifyPromotions(caller, policy, requested);
        using var connection = database.Open();
        var written = new List<DocumentBody>();
        var changes = new List<DocumentChange>();
        var audited = new List<Requirement>();
        Requirement? checking = null;
        using (var transaction = database.BeginWrite(connection))
        {
            var rows = new DocumentRows(connection, transaction);
            try
            {
                for (var i = 0; i < requested.Count; i++)
                {
                    var current = rows.Find(keys[i]);
                    if ((current?.Version ?? 0) != requested[i].BaseVersion) throw ConcurrentChange(keys[i], current);
                    var change = new DocumentChange(keys[i], current is null ? null : DatabaseStore.ToStored(current), requested[i].Text);
                    var source = DatabaseStore.PathOf(keys[i]);
                    var document = ChangeRules.Parse(change, source);
                    var before = current is null ? null : DocumentCodec.ReadOne<object>(current.Text, source, StoreScope.Server, source);
                    var required = ChangeRules.Required(change, document, before, caller.Name);
                    foreach (var requirement in required)
                    {
                        checking = requirement;
                        policy.Demand(requirement.Kind, requirement.Name, requirement.Action);
                    }
                    checking = null;
                    changes.Add(change);
                    // A promotion record is audited as what it does to its stage: promote, approve, delete.
                    audited.Add(change.Key.Kind == DocumentCodec.PromotionKind ? required[0] : new Requirement(ResourceKinds.Of(change.Key.Kind), change.Key.Name, change.Action));
                }
                var now = clock.GetUtcNow();
                foreach (var change in changes)
                {
                    if (change.Text is null) rows.Delete(change.Key);
                    else written.Add(Body(rows.Put(change.Key, change.Text, caller.Name, now)));
                    // A connector's credentials go with it.
                    if (change.Text is null && change.Key.Kind == DocumentCodec.ConnectorKind) vault.Delete(connection, transaction, change.Key.Name);
                }
                ChangeRules.CheckIntegrity(DatabaseStore.Within(database, caller.Name, connection, transaction, clock), changes);
                alongside?.Invoke(connection, transaction);
                foreach (var (change, what) in changes.Zip(audited))
                    audit.Append(connection, transaction, new AuditEvent(caller.Name, what.Action, what.Kind, what.Name, AuditLog.Allowed,
                        Source: caller.Source, Detail: Describe(change, written)));
                transaction.Commit();
            }
            catch (StackOpsException error)
            {
                transaction.Rollback();
                var denied = error.ErrorId == "PermissionDenied";
                audit.Append(new AuditEvent(caller.Name, checking?.Action ?? "commit", checking?.Kind, checking?.Name ?? error.Target?.ToString(),
                    denied ? AuditLog.Denied : AuditLog.Failed, error.ErrorId, caller.Source, $"{requested.Count} change(s) refused, none applied"));
                throw;
            }
        }
        return new CommitResultBody(written);
    }

    /// <summary>
    /// A record that makes a version current is stored only once the server has checked it itself:
    /// every gate on the store as it is, and the image in the target registry by its digest. Checked
    /// before the write turn is taken, as a registry can be slow; the record's base version keeps
    /// anyone from changing it in between.
    /// </summary>
    private void VerifyPromotions(Caller caller, AccessPolicy policy, IReadOnlyList<ChangeBody> requested)
    {
        Core.StackOpsEngine? engine = null;
        using var connection = database.Open();
        var rows = new DocumentRows(connection, null);
        foreach (var change in requested.Where(c => c.Kind == DocumentCodec.PromotionKind && c.Text is not null))
        {
            var key = KeyOf(change);
            var source = DatabaseStore.PathOf(key);
            var record = DocumentCodec.ReadOne<PromotionRecord>(change.Text!, source, StoreScope.Server, source);
            var current = rows.Find(key);
            if (record.State != PromotionState.Succeeded || current is not null && current.Text == change.Text) continue;
            var requirement = new Requirement(ResourceKinds.Stages, record.To, AccessActions.Promote);
            if (!policy.Allows(requirement.Kind, requirement.Name, requirement.Action)) throw Denied(caller, policy, requirement, "promote");
            var publishing = requested.Where(c => c.Kind == DocumentCodec.PipelineVersionKind && c.Text is not null)
                .Select(c => DocumentCodec.ReadOne<PipelineVersion>(c.Text!, source, StoreScope.Server, source))
                .FirstOrDefault(v => string.Equals(v.Pipeline, record.Pipeline, StringComparison.OrdinalIgnoreCase) && string.Equals(v.Version, record.Version, StringComparison.OrdinalIgnoreCase));
            try { (engine ??= engines.For(caller.Name)).Promotions.Verify(record, publishing); }
            catch (StackOpsException error)
            {
                audit.Append(new AuditEvent(caller.Name, "promote", ResourceKinds.Stages, record.To, AuditLog.Denied, error.ErrorId, caller.Source, $"{record.Pipeline} {record.Version}: {error.Message}"));
                throw;
            }
        }
    }

    private static string Describe(DocumentChange change, List<DocumentBody> written)
    {
        var key = change.Key;
        var version = written.LastOrDefault(w => w.Kind == key.Kind && string.Equals(w.Name, key.Name, StringComparison.OrdinalIgnoreCase)
            && string.Equals(w.Type, key.Type, StringComparison.OrdinalIgnoreCase))?.Version;
        return $"{key}{(version is null ? "" : $" version {version}")}";
    }

    private StackOpsException Denied(Caller caller, AccessPolicy policy, Requirement requirement, string action)
    {
        var error = policy.Denied(requirement.Kind, requirement.Name, requirement.Action);
        audit.Append(new AuditEvent(caller.Name, action, requirement.Kind, requirement.Name, AuditLog.Denied, error.ErrorId, caller.Source));
        return error;
    }

    private static StackOpsException ConcurrentChange(DocumentKey key, DocumentRow? current) =>
        new("ConcurrentChange", ErrorKind.InvalidOperation, current is null
            ? $"{key} was removed by someone else since you read it. Nothing was changed: read it again (it is gone) and decide."
            : $"{key} was changed by '{current.UpdatedBy}' at {current.UpdatedAt} (now version {current.Version}) since you read it. Nothing was changed: run your command again on the current version.",
            key.Name);

    /// <summary>The resource a row is, for permissions: a pipeline version is its pipeline's; a promotion record its target stage's.</summary>
    private static string? ResourceName(DocumentRow row) => row.Kind switch
    {
        DocumentCodec.PipelineVersionKind => row.Type,
        DocumentCodec.LifecycleKind => null,
        DocumentCodec.PromotionKind => PromotionStage(row),
        _ => row.Name,
    };

    private static string? PromotionStage(DocumentRow row)
    {
        try { return (DocumentCodec.ReadOne<object>(row.Text, row.Name, StoreScope.Server, row.Name) as Core.Pipelines.PromotionRecord)?.To; }
        catch (StackOpsException) { return null; }
    }

    private static DocumentKey KeyOf(ChangeBody change)
    {
        CheckKind(change.Kind);
        NameRules.Validate(change.Kind, change.Name);
        if (change.Type is not null) NameRules.Validate(change.Kind, change.Type);
        if (change.Text is { Length: > YamlLimits.MaxDocumentBytes })
            throw new StackOpsException("RequestTooLarge", ErrorKind.InvalidArgument, $"The text of {change.Kind} '{change.Name}' is larger than {YamlLimits.MaxDocumentBytes / 1024 / 1024} MiB, the most a document may hold.");
        return new DocumentKey(change.Kind, change.Name, change.Type);
    }

    private static void CheckKind(string kind)
    {
        if (!Kinds.Contains(kind))
            throw new StackOpsException("UnsupportedDocument", ErrorKind.InvalidArgument, $"'{Fail.Printable(kind)}' is not a StackOps document kind; use one of {string.Join(", ", Kinds)}.", kind);
    }

    private static DocumentBody Body(DocumentRow row) =>
        new(row.Kind, row.Type, row.Name, row.Text, row.Version, row.UpdatedBy, DateTimeOffset.Parse(row.UpdatedAt, System.Globalization.CultureInfo.InvariantCulture));
}

public static class DocumentEndpoints
{
    /// <summary>A JSON array written as its elements are read, sent in parts of 16 (a few KB; the first part at once).</summary>
    private static async Task WriteStreamed(HttpContext context, IEnumerable<DocumentBody> documents)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new System.Text.Json.Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartArray();
        var written = 0;
        foreach (var document in documents)
        {
            System.Text.Json.JsonSerializer.Serialize(writer, document, Core.Store.Remote.ServerJson.Options);
            if (++written % 16 == 1) await Send(writer, context);
        }
        writer.WriteEndArray();
        await Send(writer, context);
    }

    /// <summary>What the writer holds, sent to the client now (flushing the writer only hands it to the response's pipe).</summary>
    private static async Task Send(System.Text.Json.Utf8JsonWriter writer, HttpContext context)
    {
        await writer.FlushAsync(context.RequestAborted);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static void MapDocuments(this WebApplication app)
    {
        app.MapGet($"/{ServerRoutes.Documents}/{{kind}}", (HttpContext context, DocumentService documents, string kind, string? type) =>
                WriteStreamed(context, documents.List(context.Caller(), kind, type)))
            .Produces<List<DocumentBody>>()
            .WithName("ListDocuments").WithSummary("The documents of a kind (of a type) that the caller may read, streamed: the first arrives before the last is read.");
        app.MapGet($"/{ServerRoutes.Documents}/{{kind}}/{{name}}", (HttpContext context, DocumentService documents, string kind, string name, string? type) =>
            documents.Get(context.Caller(), new DocumentKey(kind, name, type)) is { } body
                ? Results.Json(body, Core.Store.Remote.ServerJson.Options)
                : Results.NotFound())
            .WithName("GetDocument").WithSummary("One document, with its version.");
        app.MapPost($"/{ServerRoutes.Commit}", (HttpContext context, DocumentService documents, CommitBody body) =>
            Results.Json(documents.Commit(context.Caller(), body), Core.Store.Remote.ServerJson.Options))
            .WithName("Commit").WithSummary("Applies changes all at once, or none: versions, permissions and the store's integrity are checked first.");
    }
}
