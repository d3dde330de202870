using StackOps.Core;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Server.Data;

namespace StackOps.Server.Tests;

/// <summary>
/// The contract every store keeps, whatever it is made of (DESIGN: one contract suite for every
/// store): documents by key, names regardless of case, a transaction that nobody else sees until
/// it commits and that leaves nothing when it does not, and the engine's rules working the same.
/// </summary>
public abstract class StoreContractTests : IDisposable
{
    protected abstract IStackStore Store { get; }
    protected abstract StackOpsEngine Engine { get; }

    public abstract void Dispose();

    private static readonly DocumentKey Staging = new("Stack", "Staging");

    private static string StackText(string name, string orchestrator = "default") =>
        $"apiVersion: stackops.io/v1\nkind: Stack\nmetadata:\n  name: {name}\nspec:\n  components:\n    orchestrator: {orchestrator}\n    artifact_store: default\n";

    [Fact]
    public void ADocumentIsReadBackAsWrittenByItsNameInAnyCase()
    {
        Assert.Null(Store.Read(Staging));
        using (var transaction = Store.Begin())
        {
            transaction.Put(Staging, StackText("Staging"));
            transaction.Commit();
        }
        var read = Store.Read(new DocumentKey("Stack", "STAGING"));
        Assert.NotNull(read);
        Assert.Equal(("Staging", StackText("Staging")), (read.Key.Name, read.Text));
        Assert.Equal(["Staging"], Store.ReadAll("Stack").Select(d => d.Key.Name));
        Assert.Empty(Store.ReadAll("StackComponent"));
    }

    [Fact]
    public void AChangeIsSeenByNobodyUntilItCommitsAndNotAtAllWhenItDoesNot()
    {
        using (var transaction = Store.Begin())
        {
            transaction.Put(Staging, StackText("Staging"));
            Assert.Equal(StackText("Staging"), transaction.Read(Staging)!.Text);
            Assert.Single(transaction.ReadAll("Stack"));
            Assert.Null(Store.Read(Staging));
        }
        Assert.Null(Store.Read(Staging));
        Assert.Empty(Store.ReadAll("Stack"));
    }

    [Fact]
    public void SeveralDocumentsChangeTogetherAndARemovalIsARemoval()
    {
        using (var transaction = Store.Begin())
        {
            transaction.Put(new DocumentKey("Stack", "a"), StackText("a"));
            transaction.Put(new DocumentKey("Stack", "b"), StackText("b"));
            transaction.Commit();
        }
        using (var transaction = Store.Begin())
        {
            transaction.Delete(new DocumentKey("Stack", "A"));
            transaction.Put(new DocumentKey("Stack", "c"), StackText("c"));
            Assert.Null(transaction.Read(new DocumentKey("Stack", "a")));
            transaction.Commit();
        }
        Assert.Equal(["b", "c"], Store.ReadAll("Stack").Select(d => d.Key.Name).Order());
    }

    [Fact]
    public void TypedDocumentsAreListedByType()
    {
        Engine.Components.Create("orchestrator", "o1", "local", new Dictionary<string, object?>());
        Engine.Components.Create("artifact_store", "a1", "local", new Dictionary<string, object?>());
        Assert.Equal(["o1"], Store.ReadAll("StackComponent", "orchestrator").Select(d => d.Key.Name));
        Assert.Equal(["a1", "o1"], Store.ReadAll("StackComponent").Select(d => d.Key.Name).Order());
    }

    [Fact]
    public void TheEnginesRulesHoldOnTheStore()
    {
        Engine.Components.Create("orchestrator", "k8s", "local", new Dictionary<string, object?>());
        Engine.Stacks.Create("dev", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default" });
        Assert.Equal("ComponentInUse", Assert.Throws<StackOpsException>(() => Engine.Components.Remove("orchestrator", "k8s")).ErrorId);
        Assert.Equal("StackAlreadyExists", Assert.Throws<StackOpsException>(() => Engine.Stacks.Create("DEV", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" })).ErrorId);

        Engine.Components.Rename("orchestrator", "k8s", "kubernetes");

        Assert.Equal("kubernetes", Engine.Stacks.Get("dev")["orchestrator"]);
        Assert.Equal(["default", "kubernetes"], Engine.Components.List("orchestrator").Items.Select(c => c.Name).Order());
    }
}

public sealed class DirectoryStoreContractTests : StoreContractTests
{
    private readonly string _root = Directory.CreateTempSubdirectory("stackops-contract-").FullName;
    private readonly StackOpsEngine _engine;

    public DirectoryStoreContractTests() => _engine = new StackOpsEngine(new StoreLocation(StoreScope.User, _root, null, _root));

    protected override IStackStore Store => _engine.Store;
    protected override StackOpsEngine Engine => _engine;

    public override void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>The server's database as a store of its own (the engine over DatabaseStore).</summary>
public abstract class DatabaseStoreContractTests : StoreContractTests
{
    private readonly StackOpsEngine _engine;

    /// <summary>Over the database that <paramref name="open"/> gives for a folder of the test's own.</summary>
    protected DatabaseStoreContractTests(Func<string, ServerDatabase> open)
    {
        Home = Directory.CreateTempSubdirectory("stackops-contract-").FullName;
        var database = open(Home);
        Migrations.Apply(database);
        _engine = new StackOpsEngine(new StoreLocation(StoreScope.Server, database.Description, null, Home), new DatabaseStore(database, "tester"));
    }

    protected string Home { get; }
    protected override IStackStore Store => _engine.Store;
    protected override StackOpsEngine Engine => _engine;

    public override void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Home, recursive: true);
    }
}

public sealed class SqliteStoreContractTests() : DatabaseStoreContractTests(home => ServerDatabase.Sqlite(Path.Combine(home, "stackops.db")));

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresFixture postgres) : DatabaseStoreContractTests(_ => ServerDatabase.Postgres(postgres.Server.NewDatabase()));

/// <summary>The server's store as a client sees it, through the HTTP API.</summary>
public sealed class RemoteStoreContractTests : StoreContractTests
{
    private readonly SqliteFolder _sqlite = new();
    private readonly ServerHost _server;
    private readonly StackOpsEngine _engine;

    public RemoteStoreContractTests()
    {
        _server = new ServerHost(_sqlite.Database());
        _engine = _server.Engine(ServerHost.AdminKey);
    }

    protected override IStackStore Store => _engine.Store;
    protected override StackOpsEngine Engine => _engine;

    public override void Dispose()
    {
        _server.Dispose();
        _sqlite.Dispose();
    }

    [Fact]
    public void AStackTheServerSendsUnchangedIsParsedOnceAndAChangedOneIsReadAgain()
    {
        void Put(string tier)
        {
            using var transaction = Store.Begin();
            transaction.Put(new DocumentKey("Stack", "alpha"),
                $"apiVersion: stackops.io/v1\nkind: Stack\nmetadata:\n  name: alpha\n  labels:\n    tier: {tier}\nspec:\n  components:\n    orchestrator: default\n    artifact_store: default\n");
            transaction.Commit();
        }
        Stack Alpha() => Engine.Stacks.List().Items.Single(s => s.Name == "alpha");

        Put("aaaa");
        var first = Alpha();
        Assert.Same(first, Alpha());
        Assert.Same(first, _server.Engine(ServerHost.AdminKey).Stacks.List().Items.Single(s => s.Name == "alpha"));

        Put("bbbb");
        Assert.Equal("bbbb", Alpha().Labels["tier"]);
    }
}
