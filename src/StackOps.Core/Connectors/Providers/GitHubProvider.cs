using StackOps.Abstractions;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Octokit;
using Octokit.Internal;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// GitHub and GitHub Enterprise Server through Octokit, at the connector's api_url, else
/// $env:GITHUB_API_URL, else api.github.com. A token is verified with GET /user; a GitHub App
/// signs an RS256 JWT with its private key, is verified with GET /app, and exchanges the JWT for
/// an installation access token (one hour) that components get.
/// </summary>
internal sealed class GitHubProvider : IConnectorProvider
{
    public const string ApiUrlVariable = "GITHUB_API_URL";
    private const string Repository = "github-repository";

    public async Task<ResourceListing> ListAsync(ConnectorContext session, ResourceTypeDefinition resourceType, CancellationToken cancellation)
    {
        try
        {
            var (client, login, _) = await SignInAsync(session);
            if (resourceType.Name != Repository) return ResourceListing.Reached([ContainerHost(session)]);
            var repositories = session.AuthMethod == "github-app"
                ? (await client.GitHubApps.Installation.GetAllRepositoriesForCurrent()).Repositories
                : await client.Repository.GetAllForCurrent();
            return ResourceListing.Reached(repositories.Select(r => r.FullName.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList(), [$"signed in as {login}"]);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or OperationCanceledException or CryptographicException)
        {
            return ResourceListing.Failed(Reason(session, e));
        }
    }

    public async Task<IssuedCredential> IssueAsync(ConnectorContext session, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation)
    {
        try
        {
            var (_, login, token) = await SignInAsync(session);
            var settings = new Dictionary<string, string> { ["api_url"] = ApiUrl(session).ToString() };
            if (resourceType.Name == Repository)
            {
                if (resourceId is not null) settings["repository"] = resourceId;
                return new IssuedCredential(resourceId, settings, new Dictionary<string, string> { ["token"] = token.Value }, token.ExpiresAt);
            }
            settings["registry"] = resourceId ?? ContainerHost(session);
            settings["username"] = login;
            return new IssuedCredential(settings["registry"], settings, new Dictionary<string, string> { ["password"] = token.Value }, token.ExpiresAt);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or OperationCanceledException or CryptographicException)
        {
            throw new Errors.StackOpsException("ConnectorCredentialFailed", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' could not get GitHub credentials: {Reason(session, e)}.", session.Name);
        }
    }

    /// <summary>A client signed in with the token, or with an installation token of the App; the login and the token components get.</summary>
    private static async Task<(GitHubClient Client, string Login, (string Value, DateTimeOffset? ExpiresAt) Token)> SignInAsync(ConnectorContext session)
    {
        if (session.AuthMethod != "github-app")
        {
            var token = session.Required("token");
            var client = Client(session, new Credentials(token));
            var user = await client.User.Current();
            return (client, user.Login, (token, null));
        }
        var app = Client(session, new Credentials(AppJwt(session.Required("app_id"), session.Required("private_key")), AuthenticationType.Bearer));
        var current = await app.GitHubApps.GetCurrent();
        var installationId = session.Setting("installation_id") is { } configured ? long.Parse(configured, System.Globalization.CultureInfo.InvariantCulture)
            : (await app.GitHubApps.GetAllInstallationsForCurrent()) switch
            {
                [var only] => only.Id,
                var all => throw new Errors.StackOpsException("InstallationIdMissing", Errors.ErrorKind.InvalidArgument,
                    $"GitHub App '{current.Slug}' has {all.Count} installations ({string.Join(", ", all.Select(i => $"{i.Id} ({i.Account?.Login})"))}): give installation_id with Set-ServiceConnector {session.Name} -Configuration @{{ installation_id = ... }}.", session.Name),
            };
        var access = await app.GitHubApps.CreateInstallationToken(installationId);
        Secrets.SecretMasker.Shared.Register(access.Token);
        return (Client(session, new Credentials(access.Token)), $"{current.Slug}[bot]", (access.Token, access.ExpiresAt));
    }

    private static GitHubClient Client(ConnectorContext session, Credentials credentials)
    {
        var connection = new Connection(new ProductHeaderValue("StackOps", typeof(GitHubProvider).Assembly.GetName().Version?.ToString(3)), ApiUrl(session),
            new InMemoryCredentialStore(credentials), new HttpClientAdapter(session.CreateHandler), new SimpleJsonSerializer());
        var client = new GitHubClient(connection);
        client.SetRequestTimeout(session.Timeout);
        return client;
    }

    public static Uri ApiUrl(ConnectorContext session) => ApiUrl(session.Setting("api_url"));

    /// <summary>
    /// The REST API's base address: the one given, else $env:GITHUB_API_URL, else api.github.com, always
    /// ending in '/'. Runners on GitHub Enterprise Server set https://HOST/api/v3 without one, and a
    /// relative path such as repos/… would then replace v3 instead of following it.
    /// </summary>
    internal static Uri ApiUrl(string? configured)
    {
        var address = configured ?? (Environment.GetEnvironmentVariable(ApiUrlVariable) is { Length: > 0 } fromRunner ? fromRunner : "https://api.github.com");
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }

    /// <summary>ghcr.io for github.com; containers.HOST for an Enterprise Server.</summary>
    private static string ContainerHost(ConnectorContext session)
    {
        var host = ApiUrl(session).Host;
        return host is "api.github.com" or "github.com" ? "ghcr.io" : $"containers.{host}";
    }

    /// <summary>The App's JSON Web Token (RS256, issued a minute in the past against clock drift, valid nine minutes), as GitHub documents.</summary>
    internal static string AppJwt(string appId, string privateKeyPem)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { iat = now - 60, exp = now + 540, iss = appId }));
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        var signature = rsa.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Reason(ConnectorContext session, Exception e) => e switch
    {
        ApiException api => $"GitHub answered {(int)api.StatusCode} ({api.ApiError?.Message ?? api.Message})",
        CryptographicException => "the App's private key is not a PEM RSA key",
        _ => session.Describe(e, ApiUrl(session).ToString()),
    };
}
