using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Pipelines;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.Server.Tests;

/// <summary>
/// On a server store an approval is a control: decided by the authenticated principal, once, by a
/// named approver who is not the requester, and never rewritten — whatever a client sends.
/// </summary>
public sealed class ApprovalTests : IDisposable
{
    private const string Id = "20300101T000000000Z-training-1.0.0-production-abcdef";
    private readonly SqliteFolder _sqlite = new();
    private readonly ServerHost _server;
    private readonly string _alice, _bob, _mallory;

    public ApprovalTests()
    {
        _server = new ServerHost(_sqlite.Database());
        var admin = _server.Engine(ServerHost.AdminKey);
        admin.Stacks.Create("dev", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
        admin.Stacks.Create("prod", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
        admin.Pipelines.SetLifecycle("""
            apiVersion: stackops.io/v1
            kind: Lifecycle
            metadata: { name: lifecycle }
            spec:
              stages:
                - { name: dev, stack: dev }
                - name: production
                  stack: prod
                  gates: { approvals: { count: 1, from: [bob, mallory] } }

            """, "test");
        _server.Admin.CreateRole("approver", ["stages:read", "stages:approve"], null);
        _alice = _server.Principal("alice", BuiltInRoles.Editor);
        _bob = _server.Principal("bob", "approver", ResourceKinds.Stages, "production");
        _mallory = _server.Principal("mallory", "approver", ResourceKinds.Stages, "production");
        _server.Principal("mallory", BuiltInRoles.Editor);
        _server.Principal("eve", "approver", ResourceKinds.Stages, "production");
        Save(_alice, Record("alice"));
    }

    public void Dispose()
    {
        _server.Dispose();
        _sqlite.Dispose();
    }

    private static PromotionRecord Record(string requester, params ApprovalDecision[] decisions) =>
        new(Id, "training", "1.0.0", "dev", "production", PromotionState.Pending, requester, DateTimeOffset.Parse("2030-01-01T00:00:00Z"), decisions);

    private static ApprovalDecision Approval(string by, bool approved = true) => new(by, approved, null, DateTimeOffset.Parse("2030-01-01T01:00:00Z"));

    private void Save(string key, PromotionRecord record)
    {
        using var transaction = _server.Store(key).Begin();
        var documentKey = new DocumentKey(DocumentCodec.PromotionKind, record.Id);
        transaction.Read(documentKey);
        transaction.Put(documentKey, DocumentCodec.ToYaml(record));
        transaction.Commit();
    }

    private StackOpsException Refused(string key, PromotionRecord record) => Assert.Throws<StackOpsException>(() => Save(key, record));

    private IReadOnlyList<ApprovalDecision> Stored() =>
        DocumentCodec.ReadOne<PromotionRecord>(_server.Store(ServerHost.AdminKey).Read(new DocumentKey(DocumentCodec.PromotionKind, Id))!.Text, "x", Core.Model.StoreScope.Server, "x").Decisions;

    [Fact]
    public void ANamedApproverApprovesUnderTheirOwnName()
    {
        Save(_bob, Record("alice", Approval("bob")));
        Assert.Equal(["bob"], Stored().Select(d => d.By));
    }

    [Fact]
    public void AnotherPrincipalsNameIsRefusedWhereverItIsWritten()
    {
        Assert.Equal("IdentityMismatch", Refused(_mallory, Record("alice", Approval("bob"))).ErrorId);
        Assert.Equal("IdentityMismatch", Refused(_mallory, Record("alice", Approval("mallory"), Approval("bob"))).ErrorId);
        // Headers that name someone else change nothing: the key says who calls.
        using var http = new HttpClient(_server.Handler, disposeHandler: false) { BaseAddress = new Uri("http://stackops.test/") };
        using var request = new HttpRequestMessage(HttpMethod.Post, Core.Store.Remote.ServerRoutes.Commit)
        {
            Content = System.Net.Http.Json.JsonContent.Create(new Core.Store.Remote.CommitBody([new Core.Store.Remote.ChangeBody(DocumentCodec.PromotionKind, null, Id,
                DocumentCodec.ToYaml(Record("alice", Approval("bob"))), 1)]), options: Core.Store.Remote.ServerJson.Options),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _mallory);
        request.Headers.Add("X-StackOps-User", "bob");
        request.Headers.Add("X-Forwarded-User", "bob");
        var response = http.SendAsync(request).Result;
        Assert.Equal(403, (int)response.StatusCode);
        Assert.Contains("IdentityMismatch", response.Content.ReadAsStringAsync().Result);
        Assert.Empty(Stored());
    }

    [Fact]
    public void ARecordedDecisionCannotBeRewrittenOrRemoved()
    {
        Save(_bob, Record("alice", Approval("bob", approved: false)));
        Assert.Equal("ApprovalTampered", Refused(_alice, Record("alice", Approval("bob", approved: true))).ErrorId);
        Assert.Equal("ApprovalTampered", Refused(_alice, Record("alice")).ErrorId);
        Assert.Equal([false], Stored().Select(d => d.Approved));
    }

    [Fact]
    public void NobodyDecidesTwiceApprovesTheirOwnRequestOrApprovesWithoutBeingNamed()
    {
        Save(_bob, Record("alice", Approval("bob")));
        Assert.Equal("AlreadyDecided", Refused(_bob, Record("alice", Approval("bob"), Approval("bob"))).ErrorId);

        var own = new PromotionRecord(Id.Replace("abcdef", "fedcba"), "training", "1.0.0", "dev", "production", PromotionState.Pending, "mallory", DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        Save(_mallory, own);
        Assert.Equal("SelfApprovalForbidden", Refused(_mallory, own.With(decisions: [Approval("mallory")])).ErrorId);

        var eve = _server.Admin.CreateKey("eve", null, null).Secret;
        Assert.Equal("ApproverNotAllowed", Refused(eve, Record("alice", Approval("bob"), Approval("eve"))).ErrorId);
    }

    [Fact]
    public void ApprovingNeedsTheApprovePermissionOnThatStage()
    {
        var error = Refused(_alice, Record("alice", Approval("alice")));
        Assert.Equal("PermissionDenied", error.ErrorId);
        Assert.Contains("stages/production", error.Message);
    }

    [Fact]
    public void AnAttemptCarriesTheDecisionsItsRequestRecordedAndNoOthers()
    {
        Save(_bob, Record("alice", Approval("bob")));
        PromotionRecord Attempt(string id, params ApprovalDecision[] decisions) =>
            new(id, "training", "1.0.0", "dev", "production", PromotionState.Running, "alice", DateTimeOffset.Parse("2030-01-01T02:00:00Z"), decisions);

        Save(_alice, Attempt("20300101T020000000Z-training-1.0.0-production-000001", Approval("bob")));

        Assert.Equal("ApprovalTampered", Refused(_alice, Attempt("20300101T020000000Z-training-1.0.0-production-000002", Approval("mallory"))).ErrorId);
        Assert.Equal("ApprovalTampered", Refused(_alice, Attempt("20300101T020000000Z-training-1.0.0-production-000003", Approval("bob"), Approval("eve"))).ErrorId);
        var inAnothersName = new PromotionRecord("20300101T020000000Z-training-1.0.0-production-000004", "training", "1.0.0", "dev", "production",
            PromotionState.Running, "bob", DateTimeOffset.Parse("2030-01-01T02:00:00Z"));
        Assert.Equal("IdentityMismatch", Refused(_alice, inAnothersName).ErrorId);
    }
}
