using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using StackOps.Core;
using StackOps.Core.Access;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Store.Remote;
using StackOps.Server;
using StackOps.Server.Data;
using StackOps.Tests.Shared;

namespace StackOps.Server.Tests;

/// <summary>
/// The server in-process on the framework's test host, over a database of the test's own (a SQLite
/// file, or a database of the shared PostgreSQL), with a bootstrap admin key. Clients reach it
/// through the test host's handler: the real HTTP pipeline, without a socket.
/// </summary>
public sealed class ServerHost : IDisposable
{
    public const string AdminKey = "sok_test-admin-key-0000000000000000000000";
    private static readonly Uri Address = new("http://stackops.test/");

    public ServerHost(string database, Action<WebApplicationBuilder>? configure = null)
    {
        DatabaseSetting = database;
        Home = Directory.CreateTempSubdirectory("stackops-client-").FullName;
        App = ServerApp.Build([], builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration["Database"] = database;
            builder.Configuration["AdminApiKey"] = AdminKey;
            configure?.Invoke(builder);
        });
        App.StartAsync().GetAwaiter().GetResult();
        Handler = App.GetTestServer().CreateHandler();
    }

    public WebApplication App { get; }
    public HttpMessageHandler Handler { get; }
    public string DatabaseSetting { get; }
    public string Home { get; }

    public ServerDatabase Database => (ServerDatabase)App.Services.GetService(typeof(ServerDatabase))!;

    public ServerClient Client(string key) => new(Address, key, handler: Handler);

    public ServerAdministration Admin => new(Client(AdminKey));

    public RemoteStore Store(string key) => new(Client(key));

    /// <summary>The engine of a client with this key: the module's engine over the server's store.</summary>
    public StackOpsEngine Engine(string key) =>
        new(new StoreLocation(StoreScope.Server, Address.AbsoluteUri, null, Path.Combine(Home, Guid.NewGuid().ToString("N"))), Store(key));

    /// <summary>A new principal with one grant and a key; returns the key.</summary>
    public string Principal(string name, string role, string? kind = null, string? scope = null, string principalKind = AccessData.UserKind)
    {
        var admin = Admin;
        if (admin.Principals().All(p => !string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))) admin.CreatePrincipal(name, principalKind, null);
        admin.Grant(name, role, kind, scope);
        return admin.CreateKey(name, "test", null).Secret;
    }

    public void Dispose()
    {
        App.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)App).Dispose();
        try { Directory.Delete(Home, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One PostgreSQL for the test run; each test takes a database of its own.</summary>
public sealed class PostgresFixture : IDisposable
{
    public PostgresServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
