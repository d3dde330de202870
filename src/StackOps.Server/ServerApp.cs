using System.Net;
using Dapper;
using StackOps.Core.Access;
using StackOps.Core.Store;
using StackOps.Core.Store.Remote;
using StackOps.Server.Api;
using StackOps.Server.Data;

namespace StackOps.Server;

/// <summary>
/// The StackOps team server: the engine's store over a database, with identity (API keys),
/// permissions (roles granted on resources), an append-only audit log and one transaction per
/// change. Stateless: any number of instances may share one PostgreSQL database.
/// Settings (command line --Name=value, appsettings, or environment): Database (or
/// $env:STACKOPS_SERVER_DATABASE): a PostgreSQL connection string, else a SQLite file (default
/// $STACKOPS_HOME/server/stackops.db); AdminApiKey (or $env:STACKOPS_ADMIN_API_KEY): the first
/// admin's key, used only while the database has no principal; CredentialKeys (or
/// $env:STACKOPS_SERVER_CREDENTIAL_KEYS): base64 keys of 32 bytes, the current one first, that keep
/// connectors' credentials (older ones still read, and are re-wrapped at start); MaxRequestBytes
/// (default 16 MiB); PromotionTimeout (default 01:00:00): how long a promotion attempt may run
/// before the server records it as failed; OidcIssuers (default GitHub Actions') and OidcAudience (default "stackops"):
/// the CI tokens accepted instead of keys, for the principals that trust policies name.
/// </summary>
public static class ServerApp
{
    public const string DatabaseVariable = "STACKOPS_SERVER_DATABASE", AdminKeyVariable = "STACKOPS_ADMIN_API_KEY";
    public const string AdminName = "admin";

    public static string Version => typeof(ServerApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Where the SQLite database lives when no setting names one.</summary>
    public static string DefaultFolder() => Path.Combine(StoreLocator.UserHome(), "server");

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(options => options.IncludeScopes = false);
        var maxBytes = builder.Configuration.GetValue<long?>("MaxRequestBytes") ?? 16 * 1024 * 1024;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBytes);
        // The slim builder leaves HTTPS out: an operator's certificate (Kestrel:Certificates:Default) and https:// addresses need it.
        builder.WebHost.UseKestrelHttpsConfiguration();
        var setting = builder.Configuration["Database"] ?? Environment.GetEnvironmentVariable(DatabaseVariable);
        builder.Services.AddSingleton(_ => ServerDatabase.FromSetting(setting, DefaultFolder()));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AccessData>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<ServerEngines>();
        builder.Services.AddSingleton<StalePromotions>();
        builder.Services.AddHostedService<StalePromotionsService>();
        builder.Services.AddSingleton<DocumentService>();
        builder.Services.AddSingleton(services => new CredentialVault(
            services.GetRequiredService<IConfiguration>()[CredentialVault.KeysSetting] ?? Environment.GetEnvironmentVariable(CredentialVault.KeysVariable),
            services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<CredentialBrokerService>();
        builder.Services.AddSingleton<OidcAuthenticator>();
        builder.Services.AddSingleton<Guard>();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "StackOps server";
            document.Info.Version = Version;
            document.Info.Description = "Stacks, components, connectors, pipelines and promotions in one shared store, with API keys, roles per resource and an audit log. Authenticate with 'Authorization: Bearer <API key>'.";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        RefuseClearTextBeyondLoopback(app);
        app.UseProblems();
        app.UseRequestLimit(maxBytes);
        app.UseApiKeys();
        app.MapOpenApi();
        app.MapGet($"/{ServerRoutes.Health}", () => Results.Text("ok")).WithName("Health").WithSummary("The process answers.");
        app.MapGet($"/{ServerRoutes.Ready}", (ServerDatabase database) =>
        {
            using var connection = database.Open();
            return Migrations.Current(connection) == Migrations.Latest ? Results.Text("ready") : Results.Text("migrating", statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithName("Ready").WithSummary("The database answers and its schema is this server's.");
        app.MapDocuments();
        app.MapAccess();
        app.MapConnectors();

        var database = app.Services.GetRequiredService<ServerDatabase>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("StackOps.Server");
        var applied = Migrations.Apply(database);
        logger.LogInformation("Database {Database} at schema version {Version} ({Applied} migration(s) applied).", database.Description, Migrations.Latest, applied);
        if (app.Services.GetRequiredService<CredentialVault>().Rotate(database) is > 0 and var rewrapped)
            logger.LogInformation("Re-wrapped the data keys of {Count} connector(s) under the current credential key.", rewrapped);
        Bootstrap(app.Services.GetRequiredService<AccessData>(), app.Services.GetRequiredService<AuditLog>(), logger,
            app.Configuration["AdminApiKey"] ?? Environment.GetEnvironmentVariable(AdminKeyVariable));
        return app;
    }

    /// <summary>
    /// The first admin, when the database has no principal yet: $env:STACKOPS_ADMIN_API_KEY becomes
    /// its key (so scripts and tests can bootstrap), or a key is generated and printed once on the
    /// console (never to the log).
    /// </summary>
    private static void Bootstrap(AccessData access, AuditLog audit, ILogger logger, string? given)
    {
        if (access.AnyPrincipal()) return;
        access.CreatePrincipal(AdminName, AccessData.UserKind, "The first admin, created when the database was empty.", "(bootstrap)");
        access.CreateGrant(AdminName, BuiltInRoles.Admin, null, null, "(bootstrap)");
        var key = access.CreateKey(AdminName, "bootstrap", null, "(bootstrap)", string.IsNullOrEmpty(given) ? null : given);
        audit.Append(new AuditEvent("(bootstrap)", "create user", ResourceKinds.Access, AdminName, AuditLog.Allowed, Detail: given is { Length: > 0 } ? $"key from ${AdminKeyVariable}" : "key printed once"));
        logger.LogInformation("Created the first admin '{Admin}' (key id {KeyId}).", AdminName, key.Key.Id);
        if (string.IsNullOrEmpty(given))
            Console.WriteLine($"""

                StackOps server: the database was empty, so it has a first admin, '{AdminName}', with this API key.
                It is shown now and never again (the server keeps only its hash):

                    {key.Secret}

                Connect with:  Connect-StackServer <this server's URL> -ApiKey (Read-Host -AsSecureString)

                """);
    }

    /// <summary>An API key sent in clear over a network can be read on the way: plain HTTP is served on loopback addresses only.</summary>
    private static void RefuseClearTextBeyondLoopback(WebApplication app)
    {
        var urls = (app.Configuration["urls"] ?? app.Configuration["ASPNETCORE_URLS"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries);
        foreach (var url in urls)
        {
            var normalized = url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0");
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != "http") continue;
            var loopback = uri.IsLoopback || IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address);
            if (!loopback)
                throw new InvalidOperationException($"{url} would serve plain HTTP beyond this machine, where API keys cross the network in clear. Serve https (give Kestrel a certificate: --Kestrel:Certificates:Default:Path=... and an https:// URL), or listen on 127.0.0.1 behind a TLS proxy.");
        }
    }
}
