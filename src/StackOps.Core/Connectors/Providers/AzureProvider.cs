using StackOps.Abstractions;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// Azure through Azure.Identity: a service principal gets an access token from Microsoft Entra ID
/// (client credentials flow, at the connector's authority_host); an access token is used as given.
/// ACR logins are the registry's refresh token, exchanged for the Entra token at /oauth2/exchange.
/// </summary>
internal sealed class AzureProvider : IConnectorProvider
{
    public const string ManagementScope = "https://management.azure.com/.default";
    public const string StorageScope = "https://storage.azure.com/.default";
    /// <summary>The user name of an ACR login made with a refresh token.</summary>
    public const string AcrTokenUser = "00000000-0000-0000-0000-000000000000";

    public async Task<ResourceListing> ListAsync(ConnectorContext session, ResourceTypeDefinition resourceType, CancellationToken cancellation)
    {
        try
        {
            await TokenAsync(session, ManagementScope, cancellation);
            if (resourceType.Name == "azure-generic")
                return ResourceListing.Reached([session.Setting("subscription_id") ?? session.Setting("tenant_id") ?? "default"]);
            return ResourceListing.Reached(session.ResourceId is { } id ? [id] : [],
                [$"{resourceType.Description.TrimEnd('.')}s are not enumerated (this build does not query Azure Resource Manager): link components with -ResourceId ({resourceType.IdFormat})"]);
        }
        catch (Exception e) when (e is AuthenticationFailedException or CredentialUnavailableException or RequestFailedException or HttpRequestException or OperationCanceledException)
        {
            return ResourceListing.Failed(Reason(session, e));
        }
    }

    public async Task<IssuedCredential> IssueAsync(ConnectorContext session, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation)
    {
        try
        {
            var settings = new Dictionary<string, string>();
            if (session.Setting("subscription_id") is { } subscription) settings["subscription_id"] = subscription;
            if (session.Setting("tenant_id") is { } tenant) settings["tenant_id"] = tenant;
            switch (resourceType.Name)
            {
                case ConnectorCatalog.DockerRegistry:
                {
                    var registry = resourceId ?? throw new Errors.StackOpsException("ResourceIdMissing", Errors.ErrorKind.InvalidArgument,
                        $"Which registry? Give -ResourceId NAME.azurecr.io.", session.Name);
                    var token = await TokenAsync(session, ManagementScope, cancellation);
                    settings["registry"] = registry;
                    settings["username"] = AcrTokenUser;
                    return new IssuedCredential(registry, settings, new Dictionary<string, string> { ["password"] = await ExchangeAsync(session, registry, token.Token, cancellation) }, token.ExpiresOn);
                }
                case ConnectorCatalog.KubernetesCluster:
                    throw new Errors.StackOpsException("ConnectorCredentialUnavailable", Errors.ErrorKind.InvalidOperation,
                        $"Service connector '{session.Name}' cannot issue AKS credentials: this build does not query Azure Resource Manager. Use az aks get-credentials.", session.Name);
                default:
                {
                    var token = await TokenAsync(session, resourceType.Name == "blob-container" ? StorageScope : ManagementScope, cancellation);
                    if (resourceId is not null) settings["resource_id"] = resourceId;
                    return new IssuedCredential(resourceId, settings, new Dictionary<string, string> { ["token"] = token.Token }, token.ExpiresOn);
                }
            }
        }
        catch (Exception e) when (e is AuthenticationFailedException or CredentialUnavailableException or RequestFailedException or HttpRequestException or OperationCanceledException)
        {
            throw new Errors.StackOpsException("ConnectorCredentialFailed", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' could not get Azure credentials: {Reason(session, e)}.", session.Name);
        }
    }

    /// <summary>The domains of Microsoft Entra ID's authorities (public and sovereign clouds), where a job's identity token may be sent.</summary>
    private static readonly string[] Domains = ["microsoftonline.com", "microsoftonline.us", "chinacloudapi.cn"];

    private static async Task<AccessToken> TokenAsync(ConnectorContext session, string scope, CancellationToken cancellation)
    {
        if (session.AuthMethod == "access-token")
            return new AccessToken(session.Required("token"), session.ExpiresAt ?? DateTimeOffset.MaxValue);
        TokenCredential credential = session.AuthMethod switch
        {
            "implicit" => new DefaultAzureCredential(Configure(new DefaultAzureCredentialOptions(), session)),
            "federated-identity" => new ClientAssertionCredential(session.Required("tenant_id"), session.Required("client_id"),
                assertion => Connectors.FederatedToken.ForAsync(session, session.Required("audience"), "Microsoft Entra ID", Domains, [session.Setting("authority_host")], assertion),
                Configure(new ClientAssertionCredentialOptions(), session)),
            _ => new ClientSecretCredential(session.Required("tenant_id"), session.Required("client_id"), session.Required("client_secret"),
                Configure(new ClientSecretCredentialOptions(), session)),
        };
        try
        {
            var token = await credential.GetTokenAsync(new TokenRequestContext([scope]), cancellation);
            Secrets.SecretMasker.Shared.Register(token.Token);
            return token;
        }
        catch (AuthenticationFailedException e) when (e.InnerException is Errors.StackOpsException own)
        {
            throw own;
        }
    }

    private static T Configure<T>(T options, ConnectorContext session) where T : TokenCredentialOptions
    {
        if (session.Setting("authority_host") is { } authority) options.AuthorityHost = new Uri(authority);
        options.Transport = new HttpClientTransport(session.CreateHandler());
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = session.Timeout;
        var customAuthority = session.Setting("authority_host") is not null;
        if (options is ClientSecretCredentialOptions secretOptions) secretOptions.DisableInstanceDiscovery = customAuthority;
        if (options is ClientAssertionCredentialOptions assertionOptions) assertionOptions.DisableInstanceDiscovery = customAuthority;
        return options;
    }

    /// <summary>ACR's token exchange: the Entra access token for the registry's refresh token, which docker login takes as the password.</summary>
    private static async Task<string> ExchangeAsync(ConnectorContext session, string registry, string accessToken, CancellationToken cancellation)
    {
        using var http = session.CreateHttpClient();
        var form = new Dictionary<string, string> { ["grant_type"] = "access_token", ["service"] = registry, ["access_token"] = accessToken };
        if (session.Setting("tenant_id") is { } tenant) form["tenant"] = tenant;
        using var response = await http.PostAsync(new Uri(Registries.RegistryClient.ApiBase(registry), "oauth2/exchange"), new FormUrlEncodedContent(form), cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{registry} refused the token exchange: {(int)response.StatusCode} {response.ReasonPhrase}");
        var refresh = (string?)JsonNode.Parse(body)?["refresh_token"] ?? throw new HttpRequestException($"{registry} answered the token exchange without a refresh token");
        Secrets.SecretMasker.Shared.Register(refresh);
        return refresh;
    }

    private static string Reason(ConnectorContext session, Exception e) => e switch
    {
        AuthenticationFailedException { InnerException: { } inner } => $"Microsoft Entra ID refused the credentials: {FirstLine(inner.Message)}",
        AuthenticationFailedException failed => $"Microsoft Entra ID refused the credentials: {FirstLine(failed.Message)}",
        RequestFailedException request => $"Azure answered {request.Status} ({FirstLine(request.Message)})",
        _ => session.Describe(e, session.Setting("authority_host") ?? "Microsoft Entra ID"),
    };

    /// <summary>The first line of Entra's answer, from its AADSTS code when MSAL put its own words before it.</summary>
    private static string FirstLine(string text) =>
        (text.IndexOf("AADSTS", StringComparison.Ordinal) is var code and > 0 ? text[code..] : text).Split('\n')[0].Trim();
}
