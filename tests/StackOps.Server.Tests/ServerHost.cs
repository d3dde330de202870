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

    /// <summary>The operator's key for connectors' credentials (32 bytes, base64).</summary>
    public static readonly string CredentialKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly Uri Address = new("http://stackops.test/");

    public ServerHost(string database, Action<WebApplicationBuilder>? configure = null, string? credentialKeys = null)
    {
        DatabaseSetting = database;
        Home = Directory.CreateTempSubdirectory("stackops-client-").FullName;
        App = ServerApp.Build([], builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration["Database"] = database;
            builder.Configuration["AdminApiKey"] = AdminKey;
            builder.Configuration["CredentialKeys"] = credentialKeys ?? CredentialKey;
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

    /// <summary>Every answer the server gave these clients, as text: to search for what must never be in one.</summary>
    public List<string> Answers { get; } = [];

    public ServerClient Client(string key) => new(Address, key, handler: new Recording(Handler, Answers));

    private sealed class Recording(HttpMessageHandler inner, List<string> answers) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellation)
        {
            var response = await base.SendAsync(request, cancellation);
            var body = await response.Content.ReadAsStringAsync(cancellation);
            lock (answers) answers.Add(body);
            response.Content = new StringContent(body, System.Text.Encoding.UTF8, response.Content.Headers.ContentType?.MediaType ?? "application/json");
            return response;
        }
    }

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

/// <summary>A folder for a test's SQLite databases, removed (with the pooled connections to them) at the end.</summary>
public sealed class SqliteFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("stackops-sqlite-").FullName;

    public string Database(string name = "stackops.db") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
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
