using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Http;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// Google Cloud through Google.Apis.Auth: a service account key signs an RS256 assertion and gets
/// an OAuth 2.0 access token from the key's token_uri (Google's, or a private endpoint); an
/// oauth2-token is used as given. Artifact Registry logins are the token with the user
/// oauth2accesstoken, as Google documents.
/// </summary>
internal sealed class GcpProvider : IConnectorProvider
{
    public const string Scope = "https://www.googleapis.com/auth/cloud-platform";
    public const string RegistryUser = "oauth2accesstoken";

    public async Task<ConnectorResources> ListAsync(ConnectorSession session, ConnectorResourceType resourceType, CancellationToken cancellation)
    {
        try
        {
            var (_, project, _) = await TokenAsync(session, cancellation);
            if (resourceType.Name == "gcp-generic") return session.Reached(resourceType, [project]);
            return session.Reached(resourceType, session.Connector.ResourceId is { } id ? [id] : [],
                [$"{resourceType.Description.TrimEnd('.')}s are not enumerated (this build does not call the Google Cloud resource APIs): link components with -ResourceId ({resourceType.IdFormat})"]);
        }
        catch (Exception e) when (e is TokenResponseException or HttpRequestException or OperationCanceledException or InvalidOperationException or ArgumentException)
        {
            return session.Failed(resourceType, Reason(session, e));
        }
    }

    public async Task<ConnectorCredential> IssueAsync(ConnectorSession session, ConnectorResourceType resourceType, string? resourceId, CancellationToken cancellation)
    {
        if (resourceType.Name == ConnectorCatalog.KubernetesCluster)
            throw new Errors.StackOpsException("ConnectorCredentialUnavailable", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Connector.Name}' cannot issue GKE credentials: this build does not call the GKE API. Use gcloud container clusters get-credentials.", session.Connector);
        try
        {
            var (token, project, expires) = await TokenAsync(session, cancellation);
            var settings = new Dictionary<string, string> { ["project_id"] = project };
            if (resourceType.Name != ConnectorCatalog.DockerRegistry)
            {
                if (resourceId is not null) settings["resource_id"] = resourceId;
                return session.Credential(resourceType.Name, resourceId, settings, new Dictionary<string, string> { ["token"] = token }, expires);
            }
            settings["registry"] = resourceId ?? "gcr.io";
            settings["username"] = RegistryUser;
            return session.Credential(resourceType.Name, settings["registry"], settings, new Dictionary<string, string> { ["password"] = token }, expires);
        }
        catch (Exception e) when (e is TokenResponseException or HttpRequestException or OperationCanceledException or InvalidOperationException or ArgumentException)
        {
            throw new Errors.StackOpsException("ConnectorCredentialFailed", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Connector.Name}' could not get Google Cloud credentials: {Reason(session, e)}.", session.Connector);
        }
    }

    private static async Task<(string Token, string Project, DateTimeOffset? Expires)> TokenAsync(ConnectorSession session, CancellationToken cancellation)
    {
        if (session.Method.Name == "oauth2-token") return (session.Required("token"), session.Required("project_id"), session.Connector.ExpiresAt);
        GoogleCredential credential;
        string? project = session.Setting("project_id");
        if (session.Method.Name == "implicit")
            credential = await GoogleCredential.GetApplicationDefaultAsync(cancellation);
        else
        {
            var account = CredentialFactory.FromJson<ServiceAccountCredential>(session.Required("service_account_json"));
            project ??= account.ProjectId;
            credential = account.ToGoogleCredential();
        }
        var scoped = credential.CreateScoped(Scope).CreateWithHttpClientFactory(new Handlers(session));
        var access = await ((ITokenAccess)scoped).GetAccessTokenForRequestAsync(cancellationToken: cancellation);
        Secrets.SecretMasker.Shared.Register(access);
        var issued = (scoped.UnderlyingCredential as ServiceCredential)?.Token;
        DateTimeOffset? expires = issued?.ExpiresInSeconds is { } seconds ? new DateTimeOffset(DateTime.SpecifyKind(issued.IssuedUtc, DateTimeKind.Utc)).AddSeconds(seconds) : null;
        return (access, project ?? session.Required("project_id"), expires);
    }

    private static string Reason(ConnectorSession session, Exception e) => e switch
    {
        TokenResponseException token => $"the token endpoint refused the service account: {token.Error?.Error} ({token.Error?.ErrorDescription})",
        InvalidOperationException or ArgumentException => $"the service account key is not usable: {e.Message.Split('\n')[0]}",
        _ => session.Describe(e, "the token endpoint"),
    };

    /// <summary>The library's HTTP clients, with the connector's certificate authority and time limit.</summary>
    private sealed class Handlers(ConnectorSession session) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => session.CreateHandler();
    }
}
