using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Secrets;
using StackOps.Core.Store.Remote;

namespace StackOps.Core.Access;

/// <summary>
/// The team server a user works with: set by Connect-StackServer (the address in clear, the API key
/// encrypted like a local secret, both in the user's StackOps home: never in a repository), or for
/// CI by $env:STACKOPS_SERVER with $env:STACKOPS_API_KEY — or, in a GitHub Actions job granted
/// id-token: write, with no key at all: the job's OIDC token, which the server maps to a principal
/// by its trust policies. The variables take precedence. While one is set, commands use the
/// server's store unless -Scope says otherwise.
/// </summary>
public sealed record ServerConnection(Uri Server, string ApiKey, string? Principal, bool FromEnvironment)
{
    public const string ServerVariable = "STACKOPS_SERVER", ApiKeyVariable = "STACKOPS_API_KEY", AudienceVariable = "STACKOPS_OIDC_AUDIENCE";
    private const string Folder = "server", SecretName = "connection", KeyField = "api_key", ServerLabel = "server", PrincipalLabel = "principal";

    /// <summary>Whether a server is configured (without decrypting anything): the variable, or a saved connection.</summary>
    public static bool IsConfigured(string userHome) =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } || new LocalSecretBackend("server", userHome, Folder).Exists(SecretName);

    /// <summary>The connection in effect, or null when there is none.</summary>
    public static ServerConnection? Current(string userHome)
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } address)
        {
            var key = Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } given ? given
                : GitHubActionsToken() ?? throw new StackOpsException("ServerApiKeyMissing", ErrorKind.InvalidArgument,
                    $"$env:{ServerVariable} names a StackOps server but $env:{ApiKeyVariable} gives no API key, and this is not a GitHub Actions job with id-token: write. Set the key (a CI secret), grant the job id-token: write, or remove $env:{ServerVariable} to work with local stores.", ServerVariable);
            return new ServerConnection(ParseAddress(address), key, null, FromEnvironment: true);
        }
        return Saved(userHome);
    }

    /// <summary>The connection Connect-StackServer saved, whatever the environment says; null when there is none.</summary>
    public static ServerConnection? Saved(string userHome)
    {
        var secret = new LocalSecretBackend("server", userHome, Folder).Read(SecretName);
        if (secret is null) return null;
        return new ServerConnection(ParseAddress(secret.Labels[ServerLabel]), secret.Values[KeyField], secret.Labels.GetValueOrDefault(PrincipalLabel), FromEnvironment: false);
    }

    /// <summary>The connection in effect; ServerNotConnected, saying how to connect, when there is none.</summary>
    public static ServerConnection Required(string userHome) =>
        Current(userHome) ?? throw new StackOpsException("ServerNotConnected", ErrorKind.InvalidOperation,
            $"No StackOps server is configured. Run Connect-StackServer <url>, or set $env:{ServerVariable} and $env:{ApiKeyVariable}.", userHome);

    /// <summary>Who this connection acts as on the server, and what it may do there (asks the server).</summary>
    public ServerStatus Status(TimeSpan? timeout = null)
    {
        using var client = OpenClient(timeout);
        var me = client.Get<MeBody>(ServerRoutes.Me);
        return ServerStatus.Of(this, me);
    }

    /// <summary>Checks the address and key with the server (who am I?), then keeps them for the next commands.</summary>
    public static ServerStatus Connect(string userHome, string address, string apiKey, TimeSpan? timeout = null)
    {
        var server = ParseAddress(address);
        using var client = new ServerClient(server, apiKey, timeout);
        var me = client.Get<MeBody>(ServerRoutes.Me);
        var backend = new LocalSecretBackend("server", userHome, Folder);
        using (var transaction = backend.Begin())
        {
            transaction.Put(new Secret(SecretName, new Dictionary<string, string> { [KeyField] = apiKey },
                new Dictionary<string, string> { [ServerLabel] = server.AbsoluteUri, [PrincipalLabel] = me.Principal }));
            transaction.Commit();
        }
        return ServerStatus.Of(new ServerConnection(server, apiKey, me.Principal, FromEnvironment: false), me);
    }

    /// <summary>Forgets the saved connection; true when there was one.</summary>
    public static bool Disconnect(string userHome)
    {
        var backend = new LocalSecretBackend("server", userHome, Folder);
        if (!backend.Exists(SecretName)) return false;
        using var transaction = backend.Begin();
        transaction.Delete(SecretName);
        transaction.Commit();
        return true;
    }

    /// <summary>In a GitHub Actions job granted id-token: write, the job's OIDC token for the server's audience ($env:STACKOPS_OIDC_AUDIENCE, default stackops); null elsewhere.</summary>
    private static string? GitHubActionsToken() =>
        GitHub.ActionsIdToken.RequestAsync(Environment.GetEnvironmentVariable(AudienceVariable) is { Length: > 0 } configured ? configured : "stackops",
            $", or give $env:{ApiKeyVariable}", TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

    public RemoteStore OpenStore(TimeSpan? timeout = null) => new(new ServerClient(Server, ApiKey, timeout));

    public ServerClient OpenClient(TimeSpan? timeout = null) => new(Server, ApiKey, timeout);

    /// <summary>
    /// A server address: https anywhere, http only to this machine (an API key sent in clear over a
    /// network could be read by anyone on the way).
    /// </summary>
    public static Uri ParseAddress(string address)
    {
        if (!Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw new StackOpsException("InvalidServerAddress", ErrorKind.InvalidArgument,
                $"'{Fail.Printable(address)}' is not a StackOps server address: give its URL, such as https://stackops.example.com or http://127.0.0.1:5000.", address);
        if (uri.Scheme == "http" && !uri.IsLoopback)
            throw new StackOpsException("InsecureServerAddress", ErrorKind.SecurityError,
                $"{uri} is plain HTTP to another machine: the API key would cross the network in clear. Use the server's https:// address (its operator gives it a certificate).", address);
        return uri;
    }

    public override string ToString() => Server.ToString();
}

/// <summary>
/// A server connection as a user sees it: the server, who it authenticated, how (Connect-StackServer,
/// the environment's key, or a CI job's OIDC token), and what that principal may do there.
/// </summary>
public sealed record ServerStatus(Uri Server, string Principal, string Kind, string ConnectedBy, IReadOnlyList<GrantBody> Grants,
    IReadOnlyList<string> Permissions, string ServerVersion)
{
    internal static ServerStatus Of(ServerConnection connection, MeBody me)
    {
        var roles = me.Roles.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
        var permissions = me.Grants
            .SelectMany(g => roles.TryGetValue(g.Role, out var role) ? role.Permissions.Select(p => $"{p} on {g.Scope}") : [])
            .Distinct(StringComparer.Ordinal).ToList();
        var connectedBy = !connection.FromEnvironment ? "Connect-StackServer"
            : Environment.GetEnvironmentVariable(ServerConnection.ApiKeyVariable) is { Length: > 0 } ? $"$env:{ServerConnection.ApiKeyVariable}" : "GitHub Actions OIDC token";
        return new ServerStatus(connection.Server, me.Principal, me.Kind, connectedBy, me.Grants, permissions, me.ServerVersion);
    }

    public override string ToString() => $"{Principal} on {Server}";
}
