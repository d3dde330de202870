using StackOps.Core;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Pipelines;
using StackOps.Core.Store;
using StackOps.Core.Yaml;
using StackOps.Server.Api;
using StackOps.Tests.Shared;

namespace StackOps.Server.Tests;

/// <summary>
/// On a server store a version becomes current only when the server has checked the promotion
/// itself — every gate, and the image in the target registry by its digest, read with the
/// connector's credentials from its own vault — whatever the client sends; a finished record never
/// changes; an attempt whose client stopped is expired by the server, with the target unchanged.
/// </summary>
public sealed class PromotionVerificationTests : IDisposable
{
    private const string Pipeline = "training", Repository = "ml/trainer";
    private readonly DockerRegistry _registry = new();
    private readonly SqliteFolder _sqlite = new();
    private readonly ServerHost _server;
    private readonly string _prefix = "v" + Guid.NewGuid().ToString("N")[..8];
    private readonly StackOpsEngine _alice;

    public PromotionVerificationTests()
    {
        _server = new ServerHost(_sqlite.Database());
        var admin = _server.Engine(ServerHost.AdminKey);
        admin.Connectors.Create("registry", "docker", "password", new Dictionary<string, object?> { ["username"] = _registry.UserName },
            new Dictionary<string, string> { ["password"] = _registry.UserPassword }, "docker-registry", _registry.Host);
        foreach (var stage in new[] { "dev", "staging", "production" })
        {
            admin.Components.Create("container_registry", $"{stage}-registry", "default", new Dictionary<string, object?> { ["uri"] = $"{_registry.Host}/{_prefix}/{stage}" });
            admin.Connectors.Connect("container_registry", $"{stage}-registry", "registry");
            admin.Stacks.Create(stage, new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default", ["container_registry"] = $"{stage}-registry" });
        }
        admin.Pipelines.SetLifecycle("""
            apiVersion: stackops.io/v1
            kind: Lifecycle
            metadata: { name: ml }
            spec:
              stages:
                - { name: dev, stack: dev }
                - { name: staging, stack: staging }
                - name: production
                  stack: production
                  gates: { approvals: { count: 1 } }

            """, "lifecycle");
        admin.Pipelines.Create(Pipeline, [new PipelineRequirement("container_registry", [])], Repository);
        _alice = _server.Engine(_server.Principal("alice", BuiltInRoles.Editor));
        _registry.Push($"{_prefix}/dev/{Repository}", "1.0.0", "verified layer a", "verified layer b");
        _alice.Pipelines.Publish(Pipeline, "1.0.0", sourceRef: "refs/heads/main");
    }

    public void Dispose()
    {
        _server.Dispose();
        _sqlite.Dispose();
        _registry.Dispose();
    }

    private string? CurrentOn(string stage) => _alice.Pipelines.Status(Pipeline, stage).Single().Version;

    /// <summary>What a client that skips the engine's steps sends: a record saying the version is current.</summary>
    private StackOpsException Claim(PromotionRecord record)
    {
        var before = _server.Store(ServerHost.AdminKey).ReadAll(DocumentCodec.PromotionKind).Select(d => d.Text).Order().ToList();
        var error = Assert.Throws<StackOpsException>(() => Write(record));
        Assert.Equal(before, _server.Store(ServerHost.AdminKey).ReadAll(DocumentCodec.PromotionKind).Select(d => d.Text).Order());
        return error;
    }

    private void Write(PromotionRecord record)
    {
        using var transaction = _server.Store(_server.Principal("alice", BuiltInRoles.Editor)).Begin();
        var key = new DocumentKey(DocumentCodec.PromotionKind, record.Id);
        transaction.Read(key);
        transaction.Put(key, DocumentCodec.ToYaml(record));
        transaction.Commit();
    }

    private PromotionRecord Succeeded(string to, string? digest = null)
    {
        var version = _alice.Pipelines.Version(Pipeline, "1.0.0");
        var now = DateTimeOffset.UtcNow;
        return new PromotionRecord(PromotionRecord.NewId(now, Pipeline, "1.0.0", to), Pipeline, "1.0.0", to == "staging" ? "dev" : "staging", to,
            PromotionState.Succeeded, "alice", now, completedAt: now, imageDigest: digest ?? version.ImageDigest, image: $"{_registry.Host}/{_prefix}/{to}/{Repository}@{digest ?? version.ImageDigest}");
    }

    [Fact]
    public void APromotionTheServerVerifiedMakesTheVersionCurrent()
    {
        var outcome = _alice.Promotions.Invoke(Pipeline, "1.0.0", "staging");

        Assert.True(outcome.Promoted, outcome.Reason);
        Assert.Equal("1.0.0", CurrentOn("staging"));
        Assert.DoesNotContain(_server.Admin.Audit(outcome: AuditOutcomes.Denied).Entries, e => e.ErrorId == "PromotionUnverified");
    }

    [Fact]
    public void AClaimThatSkipsTheCopyIsRefusedForTheImageItNeverCopied()
    {
        var error = Claim(Succeeded("staging"));

        Assert.Equal("PromotionUnverified", error.ErrorId);
        Assert.Contains("image check fails", error.Message);
        Assert.Null(CurrentOn("staging"));
        Assert.Contains(_server.Admin.Audit(outcome: AuditOutcomes.Denied).Entries, e => e.ErrorId == "PromotionUnverified" && e.Principal == "alice");
    }

    [Fact]
    public void AClaimThatSkipsAGateOrChangesTheDigestIsRefused()
    {
        Assert.True(_alice.Promotions.Invoke(Pipeline, "1.0.0", "staging").Promoted);
        // The image is where production would have it: only the approval is missing.
        _registry.Push($"{_prefix}/production/{Repository}", "1.0.0", "verified layer a", "verified layer b");

        var unapproved = Claim(Succeeded("production"));
        Assert.Equal("PromotionUnverified", unapproved.ErrorId);
        Assert.Contains("approvals check fails", unapproved.Message);

        var otherDigest = Claim(Succeeded("production", DockerRegistry.Digest("another image"u8.ToArray())));
        Assert.Contains("image check fails", otherDigest.Message);
        Assert.Null(CurrentOn("production"));
    }

    [Fact]
    public void AFinishedRecordNeverChanges()
    {
        var done = _alice.Promotions.Invoke(Pipeline, "1.0.0", "staging").Record;

        var error = Claim(done.With(image: $"{_registry.Host}/elsewhere/{Repository}@{done.ImageDigest}"));

        Assert.Equal("PromotionRecordFinal", error.ErrorId);
    }

    [Fact]
    public void AnAttemptWhoseClientStoppedIsExpiredAndTheTargetIsUnchanged()
    {
        var stale = new PromotionRecord(PromotionRecord.NewId(DateTimeOffset.UtcNow, Pipeline, "1.0.0", "staging"), Pipeline, "1.0.0", "dev", "staging",
            PromotionState.Running, "alice", DateTimeOffset.UtcNow.AddHours(-2), steps: [new PromotionStep("version", StepOutcome.Passed, "current on dev", DateTimeOffset.UtcNow)]);
        Write(stale);
        var fresh = new PromotionRecord(PromotionRecord.NewId(DateTimeOffset.UtcNow, Pipeline, "1.0.0", "staging"), Pipeline, "1.0.0", "dev", "staging",
            PromotionState.Running, "alice", DateTimeOffset.UtcNow);
        Write(fresh);

        var expired = ((StalePromotions)_server.App.Services.GetService(typeof(StalePromotions))!).Expire();

        Assert.Equal(1, expired);
        var record = _alice.Promotions.History(Pipeline).Items.Single(r => r.Id == stale.Id);
        Assert.Equal(PromotionState.Failed, record.State);
        Assert.Equal("PromotionExpired", PromotionService.ErrorIdOf(record.Steps[^1]));
        Assert.Contains("Invoke-StackPromotion training 1.0.0 -To staging", record.Steps[^1].Message);
        Assert.Equal(PromotionState.Running, _alice.Promotions.History(Pipeline).Items.Single(r => r.Id == fresh.Id).State);
        Assert.Null(CurrentOn("staging"));
        Assert.Equal(0, ((StalePromotions)_server.App.Services.GetService(typeof(StalePromotions))!).Expire());
    }
}
