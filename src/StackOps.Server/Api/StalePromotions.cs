using StackOps.Core.Access;
using StackOps.Core.Model;
using StackOps.Core.Pipelines;
using StackOps.Core.Store;
using StackOps.Core.Yaml;
using StackOps.Server.Data;

namespace StackOps.Server.Api;

/// <summary>
/// Attempts whose client stopped reporting: a promotion is Running from its gates to its last step,
/// and a client killed in between leaves it so. Once it has been running longer than
/// PromotionTimeout (default one hour), the server records it as failed, saying why; the target's
/// current version never changed, since only a verified Succeeded record changes it.
/// Any instance may do it: a record another instance finished first is left alone.
/// </summary>
public sealed class StalePromotions(ServerDatabase database, AuditLog audit, TimeProvider clock, IConfiguration configuration)
{
    public const string Server = "(server)";

    public TimeSpan Timeout { get; } = configuration.GetValue<TimeSpan?>("PromotionTimeout") ?? TimeSpan.FromHours(1);

    /// <summary>Expires every stale attempt; returns how many.</summary>
    public int Expire()
    {
        var now = clock.GetUtcNow();
        using var connection = database.Open();
        var stale = new DocumentRows(connection, null).All(DocumentCodec.PromotionKind, null)
            .Where(row => Record(row) is { State: PromotionState.Running } record && record.RequestedAt + Timeout < now).ToList();
        var expired = 0;
        foreach (var row in stale)
        {
            using var transaction = database.BeginWrite(connection);
            var rows = new DocumentRows(connection, transaction);
            var key = new DocumentKey(row.Kind, row.Name, row.Type);
            if (rows.Find(key) is not { } current || current.Version != row.Version) continue;
            var record = PromotionService.Expire(Record(current)!, now, Timeout);
            rows.Put(key, DocumentCodec.ToYaml(record), Server, now);
            audit.Append(connection, transaction, new AuditEvent(Server, "expire", ResourceKinds.Stages, record.To, AuditLog.Allowed,
                Detail: $"promotion {record.Id} of {record.Pipeline} {record.Version}: running since {record.RequestedAt:u}"));
            transaction.Commit();
            expired++;
        }
        return expired;
    }

    private static PromotionRecord? Record(DocumentRow row)
    {
        var source = DatabaseStore.PathOf(new DocumentKey(row.Kind, row.Name, row.Type));
        try { return DocumentCodec.ReadOne<PromotionRecord>(row.Text, source, StoreScope.Server, source); }
        catch (Core.Errors.StackOpsException) { return null; }
    }
}

/// <summary>Runs <see cref="StalePromotions"/> every minute (or a quarter of the timeout, when that is shorter).</summary>
public sealed class StalePromotionsService(StalePromotions stale, ILogger<StalePromotionsService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var every = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, stale.Timeout.Ticks / 4));
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(stopping))
        {
            try
            {
                if (stale.Expire() is > 0 and var count) logger.LogInformation("Expired {Count} promotion attempt(s) whose client stopped reporting.", count);
            }
            catch (Exception e) when (e is Core.Errors.StackOpsException or System.Data.Common.DbException)
            {
                logger.LogWarning("Could not expire stale promotion attempts: {Reason}", e.Message);
            }
        }
    }
}
