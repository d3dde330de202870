using Dapper;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Store;
using StackOps.Core.Store.Remote;
using StackOps.Server.Data;

namespace StackOps.Server.Tests;

/// <summary>The server's behaviour, run against each database it supports (SQLite, PostgreSQL).</summary>
public abstract class ServerTests : IDisposable
{
    private readonly Lazy<ServerHost> _server;

    protected ServerTests() => _server = new(() => new ServerHost(NewDatabase()));

    protected ServerHost Server => _server.Value;

    protected abstract string NewDatabase();

    public virtual void Dispose()
    {
        if (_server.IsValueCreated) _server.Value.Dispose();
    }

    private static Dictionary<string, string> LocalStack() => new() { ["orchestrator"] = "default", ["artifact_store"] = "default" };

    private static Dictionary<string, object?> None() => new();

    private IReadOnlyList<DocumentRow> Rows()
    {
        using var connection = Server.Database.Open();
        return [.. new[] { "Stack", "StackComponent", "ServiceConnector", "Pipeline", "Promotion", "Lifecycle" }.SelectMany(kind => new DocumentRows(connection, null).All(kind, null))];
    }

    private static StackOpsException Fails(Action action) => Assert.Throws<StackOpsException>(action);

    [Fact]
    public void TheEnginesChangesAreStoredWithTheirOwnerVersionAndAuthors()
    {
        var editor = Server.Principal("alice", BuiltInRoles.Editor);
        var engine = Server.Engine(editor);
        engine.Components.Create("orchestrator", "k8s", "local", None());
        engine.Stacks.Create("dev", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default" });
        engine.Stacks.Create("staging", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default" });

        engine.Components.Rename("orchestrator", "k8s", "kubernetes");

        var rows = Rows();
        var component = Assert.Single(rows, r => r.Kind == "StackComponent");
        Assert.Equal(("kubernetes", 1L, "alice", "alice"), (component.Name, component.Version, component.Owner, component.UpdatedBy));
        Assert.All(rows.Where(r => r.Kind == "Stack"), s => Assert.Equal((2L, "alice"), (s.Version, s.UpdatedBy)));
        Assert.Equal(["dev", "staging"], Server.Engine(editor).Stacks.List().Items.Where(s => !s.IsDefault).Select(s => s.Name));
        Assert.All(Server.Engine(editor).Stacks.List().Items.Where(s => !s.IsDefault), s => Assert.Equal("kubernetes", s["orchestrator"]));
        Assert.StartsWith("http://stackops.test/api/v1/documents/Stack/", Server.Engine(editor).Stacks.Get("dev").Path);
    }

    [Fact]
    public void AChangeOnAStaleVersionIsConcurrentChangeNamingWhoChangedItAndLosesNothing()
    {
        var alice = Server.Principal("alice", BuiltInRoles.Editor);
        var bob = Server.Principal("bob", BuiltInRoles.Editor);
        Server.Engine(alice).Components.Create("orchestrator", "shared", "local", None());

        var aliceStore = Server.Store(alice);
        var bobStore = Server.Store(bob);
        var key = new DocumentKey("StackComponent", "shared", "orchestrator");
        using var aliceChange = aliceStore.Begin();
        using var bobChange = bobStore.Begin();
        var aliceText = aliceChange.Read(key)!.Text.Replace("spec:", "  labels: { by: alice }\nspec:");
        var bobText = bobChange.Read(key)!.Text.Replace("spec:", "  labels: { by: bob }\nspec:");
        aliceChange.Put(key, aliceText);
        aliceChange.Commit();
        bobChange.Put(key, bobText);

        var error = Fails(bobChange.Commit);

        Assert.Equal("ConcurrentChange", error.ErrorId);
        Assert.Contains("'alice'", error.Message);
        Assert.Contains("version 2", error.Message);
        Assert.Equal("alice", Server.Engine(bob).Components.Get("orchestrator", "shared").Labels["by"]);
    }

    [Fact]
    public void EveryChangeLoginGrantAndDenialIsAuditedAndTheLogIsAppendOnly()
    {
        var viewer = Server.Principal("victor", BuiltInRoles.Viewer);
        Server.Engine(ServerHost.AdminKey).Stacks.Create("dev", LocalStack());
        new ServerAdministration(Server.Client(viewer)).Me();
        Assert.Equal("PermissionDenied", Fails(() => Server.Engine(viewer).Stacks.Remove("dev", includeComponents: false)).ErrorId);
        Assert.Equal("Unauthenticated", Fails(() => new ServerAdministration(Server.Client("sok_not-a-key")).Me()).ErrorId);

        var entries = Server.Admin.Audit(limit: 1000).Entries;

        Assert.Contains(entries, e => e is { Principal: "admin", Action: "create", Kind: "stacks", Name: "dev", Outcome: AuditLog.Allowed });
        Assert.Contains(entries, e => e is { Principal: "admin", Action: "grant viewer", Outcome: AuditLog.Allowed } && e.Name == "victor");
        Assert.Contains(entries, e => e is { Principal: "victor", Action: "login", Outcome: AuditLog.Allowed });
        Assert.Contains(entries, e => e is { Principal: "victor", Action: "delete", Kind: "stacks", Name: "dev", Outcome: AuditLog.Denied, ErrorId: "PermissionDenied" });
        Assert.Contains(entries, e => e is { Action: "login", Outcome: AuditLog.Denied, ErrorId: "Unauthenticated" });
        Assert.DoesNotContain(entries, e => $"{e.Detail}{e.Name}".Contains(ServerHost.AdminKey) || $"{e.Detail}".Contains(viewer));
        Assert.Equal(entries.Select(e => e.Id).OrderDescending(), entries.Select(e => e.Id));
        var page = Server.Admin.Audit(limit: 2);
        Assert.Equal(2, page.Entries.Count);
        Assert.Equal(entries.Skip(2).First().Id, Server.Admin.Audit(limit: 2, before: page.Next).Entries[0].Id);
        Assert.All(Server.Admin.Audit(principal: "victor").Entries, e => Assert.Equal("victor", e.Principal));

        using var connection = Server.Database.Open();
        Assert.ThrowsAny<System.Data.Common.DbException>(() => connection.Execute("UPDATE audit SET outcome = 'allowed'"));
        Assert.ThrowsAny<System.Data.Common.DbException>(() => connection.Execute("DELETE FROM audit"));
        Assert.Equal("PermissionDenied", Fails(() => new ServerAdministration(Server.Client(viewer)).Audit()).ErrorId);
    }

    /// <summary>
    /// For each built-in role (and a custom approver), each kind of document and each action on it:
    /// allowed, or PermissionDenied with nothing changed.
    /// </summary>
    [Fact]
    public void ThePermissionMatrixHoldsAndADenialChangesNothing()
    {
        var admin = Server.Engine(ServerHost.AdminKey);
        admin.Components.Create("orchestrator", "seed", "local", None());
        admin.Stacks.Create("seed", LocalStack());
        Server.Admin.CreateRole("approver", ["stages:read", "stages:approve"], "approves promotions");
        var roles = new[] { BuiltInRoles.Viewer, BuiltInRoles.Editor, BuiltInRoles.ConnectorAdmin, BuiltInRoles.Admin, "approver" };
        var actions = new (string Kind, string Action, Action<Core.StackOpsEngine, string> Act)[]
        {
            (ResourceKinds.Stacks, AccessActions.Create, (e, n) => e.Stacks.Create(n, LocalStack())),
            (ResourceKinds.Stacks, AccessActions.Update, (e, _) => e.Stacks.Update("seed", null, labels: new Dictionary<string, string?> { ["touched"] = "yes" })),
            (ResourceKinds.Stacks, AccessActions.Delete, (e, n) => e.Stacks.Remove(n, includeComponents: false)),
            (ResourceKinds.Components, AccessActions.Create, (e, n) => e.Components.Create("orchestrator", n, "local", None())),
            (ResourceKinds.Components, AccessActions.Update, (e, _) => e.Components.Update("orchestrator", "seed", null, labels: new Dictionary<string, string?> { ["touched"] = "yes" })),
            (ResourceKinds.Connectors, AccessActions.Create, (e, n) => e.Connectors.Create(n, "docker", "password", new Dictionary<string, object?> { ["username"] = "user" }, new Dictionary<string, string> { ["password"] = "pass-1234" }, "docker-registry", "127.0.0.1:1", verify: false)),
        };
        foreach (var role in roles)
        {
            var key = Server.Principal($"p-{role}", role);
            foreach (var (kind, action, act) in actions)
            {
                var expected = BuiltInRoles.Find(role) is { } builtIn ? builtIn.Allows(kind, action) : false;
                var name = $"n-{role}-{kind}-{action}";
                // The thing to delete exists: created by the admin.
                if (action == AccessActions.Delete) admin.Stacks.Create(name, LocalStack());
                var before = Rows();
                var engine = Server.Engine(key);
                if (expected) act(engine, name);
                else
                {
                    var error = Fails(() => act(engine, name));
                    Assert.True(error.ErrorId == "PermissionDenied", $"{role} {kind}:{action}: {error.ErrorId} {error.Message}");
                    // Refused at the change, or before it at the read that the change starts with.
                    Assert.True(error.Message.Contains($"may not {action} {kind}") || error.Message.Contains($"may not read {kind}"), error.Message);
                    Assert.Equal(before.Select(r => (r.Kind, r.Name, r.Version)), Rows().Select(r => (r.Kind, r.Name, r.Version)));
                }
            }
        }
    }

    [Fact]
    public void AGrantOnOneStackAllowsThatStackOnly()
    {
        var admin = Server.Engine(ServerHost.AdminKey);
        admin.Stacks.Create("staging", LocalStack());
        admin.Stacks.Create("production", LocalStack());
        var key = Server.Principal("sam", BuiltInRoles.Editor, ResourceKinds.Stacks, "staging");
        var engine = Server.Engine(key);

        engine.Stacks.Update("staging", null, labels: new Dictionary<string, string?> { ["owner"] = "sam" });
        var denied = Fails(() => engine.Stacks.Update("production", null, labels: new Dictionary<string, string?> { ["owner"] = "sam" }));

        Assert.Equal("PermissionDenied", denied.ErrorId);
        Assert.Contains("stacks/production", denied.Message);
        Assert.Contains("Grant-StackPermission -Principal sam", denied.Message);
        Assert.Equal(["default", "staging"], engine.Stacks.List().Items.Select(s => s.Name));
    }

    [Fact]
    public void AClientThatSkipsTheRulesCannotBreakTheStore()
    {
        var admin = Server.Engine(ServerHost.AdminKey);
        admin.Components.Create("orchestrator", "k8s", "local", None());
        admin.Stacks.Create("dev", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default" });
        var client = Server.Client(ServerHost.AdminKey);
        var component = Server.Store(ServerHost.AdminKey).Read(new DocumentKey("StackComponent", "k8s", "orchestrator"))!;
        var before = Rows();

        StackOpsException Commit(params ChangeBody[] changes) => Fails(() => client.Post<CommitResultBody>(ServerRoutes.Commit, new CommitBody(changes)));

        Assert.Equal("ComponentInUse", Commit(new ChangeBody("StackComponent", "orchestrator", "k8s", null, component.Version)).ErrorId);
        Assert.Equal("ComponentNotFound", Commit(new ChangeBody("Stack", null, "broken", "apiVersion: stackops.io/v1\nkind: Stack\nmetadata: { name: broken }\nspec: { components: { orchestrator: missing, artifact_store: default } }\n", 0)).ErrorId);
        Assert.Equal("InvalidYaml", Commit(new ChangeBody("Stack", null, "bad", "x: &r [ *r ]\n", 0)).ErrorId);
        Assert.Equal("InvalidDocument", Commit(new ChangeBody("Stack", null, "other", component.Text, 0)).ErrorId);
        Assert.Equal("InvalidName", Commit(new ChangeBody("Stack", null, "../escape", "x", 0)).ErrorId);
        Assert.Equal("UnsupportedDocument", Commit(new ChangeBody("Secret", null, "s", "x", 0)).ErrorId);
        Assert.Equal("ConcurrentChange", Commit(new ChangeBody("StackComponent", "orchestrator", "k8s", component.Text, component.Version + 5)).ErrorId);
        Assert.Equal(before.Select(r => (r.Kind, r.Name, r.Version)), Rows().Select(r => (r.Kind, r.Name, r.Version)));
    }

    [Fact]
    public void AComponentChangeThatWouldBreakAStackUsingItIsRefused()
    {
        var admin = Server.Engine(ServerHost.AdminKey);
        admin.Components.Create("orchestrator", "k8s", "kubernetes", new Dictionary<string, object?> { ["kubernetes_context"] = "staging" });
        admin.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://bucket/artifacts" });
        admin.Components.Create("container_registry", "registry", "default", new Dictionary<string, object?> { ["uri"] = "registry.example.com/ml" });
        admin.Stacks.Create("staging", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "s3", ["container_registry"] = "registry" });
        var store = Server.Store(ServerHost.AdminKey);
        var key = new DocumentKey("StackComponent", "registry", "container_registry");
        var current = store.Read(key)!;

        // A registry on this machine is local: the stack's remote orchestrator could not reach it.
        var error = Fails(() => Server.Client(ServerHost.AdminKey).Post<CommitResultBody>(ServerRoutes.Commit,
            new CommitBody([new ChangeBody(key.Kind, key.Type, key.Name, current.Text.Replace("registry.example.com/ml", "localhost:5000/ml"), current.Version)])));

        Assert.Equal("LocalComponentNotAllowed", error.ErrorId);
        Assert.Equal(current.Version, store.Read(key)!.Version);
        admin.Components.Update("container_registry", "registry", new Dictionary<string, object?> { ["uri"] = "other.example.com/ml" });
    }

    [Fact]
    public void PromotionsAndApprovalsAreRecordedUnderTheCallersOwnName()
    {
        var key = Server.Principal("pat", BuiltInRoles.Editor);
        var record = $"""
            apiVersion: stackops.io/v1
            kind: Promotion
            metadata: {"{"} name: 20300101T000000000Z-p-1.0.0-production-abcdef {"}"}
            spec:
              pipeline: p
              version: 1.0.0
              to: production
              state: Pending
              requestedBy: somebody-else
              requestedAt: 2030-01-01T00:00:00Z

            """;
        var change = new ChangeBody("Promotion", null, "20300101T000000000Z-p-1.0.0-production-abcdef", record, 0);

        var error = Fails(() => Server.Client(key).Post<CommitResultBody>(ServerRoutes.Commit, new CommitBody([change])));

        Assert.Equal("IdentityMismatch", error.ErrorId);
        Server.Client(key).Post<CommitResultBody>(ServerRoutes.Commit, new CommitBody([change with { Text = record.Replace("somebody-else", "pat") }]));
    }

    [Fact]
    public void KeysThatAreMissingWrongTamperedExpiredOrRevokedAreRefused()
    {
        var admin = Server.Admin;
        admin.CreatePrincipal("ci", AccessData.ServiceAccountKind, "the pipeline");
        admin.Grant("ci", BuiltInRoles.Viewer, null, null);
        var key = admin.CreateKey("ci", "ci key", DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal("ci", new ServerAdministration(Server.Client(key.Secret)).Me().Principal);
        Assert.DoesNotContain(admin.Keys("ci"), k => k.ToString().Contains(key.Secret));

        StackOpsException Me(string text) => Fails(() => new ServerAdministration(Server.Client(text)).Me());
        Assert.Equal("Unauthenticated", Me(key.Secret[..^1] + (key.Secret[^1] == 'A' ? 'B' : 'A')).ErrorId);
        Assert.Equal("Unauthenticated", Me("sok_unknown").ErrorId);
        using (var anonymous = new HttpClient(Server.Handler, disposeHandler: false) { BaseAddress = new Uri("http://stackops.test/") })
        {
            var response = anonymous.GetAsync(ServerRoutes.Me).Result;
            Assert.Equal(401, (int)response.StatusCode);
            Assert.Contains("\"errorId\":\"Unauthenticated\"", response.Content.ReadAsStringAsync().Result);
        }
        var expiring = admin.CreateKey("ci", "short", DateTimeOffset.UtcNow.AddSeconds(1));
        Thread.Sleep(1500);
        Assert.Equal("ApiKeyExpired", Me(expiring.Secret).ErrorId);
        admin.RevokeKey(key.Key.Id);
        var revoked = Me(key.Secret);
        Assert.Equal("ApiKeyRevoked", revoked.ErrorId);
        Assert.DoesNotContain(key.Secret, revoked.Message);
        Assert.Equal("InvalidExpiry", Fails(() => admin.CreateKey("ci", null, DateTimeOffset.UtcNow.AddDays(-1))).ErrorId);
    }

    [Fact]
    public void AnOversizeBodyIsRefused()
    {
        var text = new string('x', 17 * 1024 * 1024);
        var error = Fails(() => Server.Client(ServerHost.AdminKey).Post<CommitResultBody>(ServerRoutes.Commit, new CommitBody([new ChangeBody("Stack", null, "big", text, 0)])));
        Assert.Equal("RequestTooLarge", error.ErrorId);
        Assert.Empty(Rows());
    }

    [Fact]
    public void MigrationsAreVersionedAndAppliedOnce()
    {
        using (var connection = Server.Database.Open())
            Assert.Equal(Migrations.Latest, Migrations.Current(connection));
        Assert.Equal(0, Migrations.Apply(Server.Database));
        using (var connection = Server.Database.Open())
            connection.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 'x')");
        Assert.Contains("newer than this server", Assert.Throws<InvalidOperationException>(() => Migrations.Apply(Server.Database)).Message);
    }

    [Fact]
    public void AccessCannotLoseItsLastAdmin()
    {
        var grant = Assert.Single(Server.Admin.Grants("admin"));
        Assert.Equal("LastAdmin", Fails(() => Server.Admin.Revoke(grant.Id)).ErrorId);
        Assert.Equal("CannotRemoveSelf", Fails(() => Server.Admin.RemovePrincipal("admin")).ErrorId);
        Assert.Equal("BuiltInRole", Fails(() => Server.Admin.RemoveRole("viewer")).ErrorId);
        Assert.Equal("InvalidPermission", Fails(() => Server.Admin.CreateRole("odd", ["audit:delete"], null)).ErrorId);
    }
}

public sealed class SqliteServerTests : ServerTests
{
    private readonly SqliteFolder _sqlite = new();

    protected override string NewDatabase() => _sqlite.Database();

    public override void Dispose()
    {
        base.Dispose();
        _sqlite.Dispose();
    }

    [Fact]
    public async Task WithTheOperatorsCertificateTheServerSpeaksTls()
    {
        var certificates = new StackOps.Tests.Shared.TestCertificates();
        var pfx = _sqlite.Database("server.pfx");
        File.WriteAllBytes(pfx, certificates.Server.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-password"));
        await using var app = ServerApp.Build(["--urls", "https://127.0.0.1:0", "--Database", _sqlite.Database("tls.db"), "--AdminApiKey", ServerHost.AdminKey,
            "--Kestrel:Certificates:Default:Path", pfx, "--Kestrel:Certificates:Default:Password", "pfx-password"]);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        using var trusting = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Issuer == certificates.Authority.Subject };

        var me = new ServerAdministration(new ServerClient(address, ServerHost.AdminKey, handler: trusting)).Me();

        Assert.Equal("https", address.Scheme);
        Assert.Equal("admin", me.Principal);
        await app.StopAsync();
    }

    [Fact]
    public void PlainHttpBeyondLoopbackIsRefusedAtStart()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServerApp.Build(["--urls", "http://0.0.0.0:5000", "--Database", _sqlite.Database("other.db")]));
        Assert.Contains("plain HTTP beyond this machine", error.Message);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresFixture postgres) : ServerTests
{
    protected override string NewDatabase() => postgres.Server.NewDatabase();

    [Fact]
    public void ADatabaseThatGoesAwayIsAClearErrorWithNoPartialWriteAndTheServerRecovers()
    {
        var engine = Server.Engine(ServerHost.AdminKey);
        engine.Stacks.Create("before", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
        postgres.Server.Stop();
        try
        {
            var error = Assert.Throws<StackOpsException>(() => engine.Stacks.Create("during", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" }));
            Assert.Equal("DatabaseUnavailable", error.ErrorId);
            Assert.Contains("Nothing was changed", error.Message);
        }
        finally { postgres.Server.Start(); }
        Npgsql.NpgsqlConnection.ClearAllPools();
        engine.Stacks.Create("after", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
        Assert.Equal(["after", "before", "default"], engine.Stacks.List().Items.Select(s => s.Name).Order());
    }
}

/// <summary>The client's streamed listings, against answers no server should give.</summary>
public sealed class StreamedListingTests
{
    private const string Document = """{"kind":"Stack","name":"alpha","text":"apiVersion: stackops.io/v1","version":1,"updatedBy":"admin","updatedAt":"2026-12-04T00:00:00Z"}""";

    private sealed class Answering(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") });
    }

    private static IEnumerable<DocumentBody> Listing(string body) =>
        new ServerClient(new Uri("http://127.0.0.1:1/"), "test-key", handler: new Answering(body)).Each<DocumentBody>("documents/Stack");

    [Fact]
    public void EachDocumentIsGivenAsItArrivesAndAnAnswerCutOffIsAnErrorAfterThem()
    {
        using var documents = Listing($"[{Document},{{\"kind\":\"St").GetEnumerator();
        Assert.True(documents.MoveNext());
        Assert.Equal("alpha", documents.Current.Name);
        var error = Assert.Throws<StackOpsException>(() => documents.MoveNext());
        Assert.Equal("ServerAnswerInvalid", error.ErrorId);
        Assert.DoesNotContain("test-key", error.Message);
    }

    [Fact]
    public void ANullInTheListIsNotADocument() =>
        Assert.Equal("ServerAnswerInvalid", Assert.Throws<StackOpsException>(() => Listing($"[{Document},null]").ToList()).ErrorId);
}
