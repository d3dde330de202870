using StackOps.Abstractions;
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

    public async Task<ResourceListing> ListAsync(ConnectorContext session, ResourceTypeDefinition resourceType, CancellationToken cancellation)
    {
        try
        {
            var (_, project, _) = await TokenAsync(session, cancellation);
            if (resourceType.Name == "gcp-generic") return ResourceListing.Reached([project]);
            return ResourceListing.Reached(session.ResourceId is { } id ? [id] : [],
                [$"{resourceType.Description.TrimEnd('.')}s are not enumerated (this build does not call the Google Cloud resource APIs): link components with -ResourceId ({resourceType.IdFormat})"]);
        }
        catch (Exception e) when (e is TokenResponseException or HttpRequestException or OperationCanceledException or InvalidOperationException or ArgumentException)
        {
            return ResourceListing.Failed(Reason(session, e));
        }
    }

    public async Task<IssuedCredential> IssueAsync(ConnectorContext session, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation)
    {
        if (resourceType.Name == ConnectorCatalog.KubernetesCluster)
            throw new Errors.StackOpsException("ConnectorCredentialUnavailable", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' cannot issue GKE credentials: this build does not call the GKE API. Use gcloud container clusters get-credentials.", session.Name);
        try
        {
            var (token, project, expires) = await TokenAsync(session, cancellation);
            var settings = new Dictionary<string, string> { ["project_id"] = project };
            if (resourceType.Name != ConnectorCatalog.DockerRegistry)
            {
                if (resourceId is not null) settings["resource_id"] = resourceId;
                return new IssuedCredential(resourceId, settings, new Dictionary<string, string> { ["token"] = token }, expires);
            }
            settings["registry"] = resourceId ?? "gcr.io";
            settings["username"] = RegistryUser;
            return new IssuedCredential(settings["registry"], settings, new Dictionary<string, string> { ["password"] = token }, expires);
        }
        catch (Exception e) when (e is TokenResponseException or HttpRequestException or OperationCanceledException or InvalidOperationException or ArgumentException)
        {
            throw new Errors.StackOpsException("ConnectorCredentialFailed", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' could not get Google Cloud credentials: {Reason(session, e)}.", session.Name);
        }
    }

    private static async Task<(string Token, string Project, DateTimeOffset? Expires)> TokenAsync(ConnectorContext session, CancellationToken cancellation)
    {
        if (session.AuthMethod == "oauth2-token") return (session.Required("token"), session.Required("project_id"), session.ExpiresAt);
        GoogleCredential credential;
        string? project = session.Setting("project_id");
        if (session.AuthMethod == "implicit")
            credential = await GoogleCredential.GetApplicationDefaultAsync(cancellation);
        else if (session.AuthMethod == "workload-identity")
            credential = Federated(session);
        else
        {
            var account = CredentialFactory.FromJson<ServiceAccountCredential>(session.Required("service_account_json"));
            project ??= account.ProjectId;
            credential = account.ToGoogleCredential();
        }
        var scoped = credential.CreateScoped(Scope).CreateWithHttpClientFactory(new Handlers(session));
        string access;
        try
        {
            access = await ((ITokenAccess)scoped).GetAccessTokenForRequestAsync(cancellationToken: cancellation);
        }
        catch (SubjectTokenException e) when (e.InnerException is Errors.StackOpsException own)
        {
            throw own;
        }
        Secrets.SecretMasker.Shared.Register(access);
        var issued = (scoped.UnderlyingCredential as ServiceCredential)?.Token;
        DateTimeOffset? expires = issued?.ExpiresInSeconds is { } seconds ? new DateTimeOffset(DateTime.SpecifyKind(issued.IssuedUtc, DateTimeKind.Utc)).AddSeconds(seconds) : null;
        return (access, project ?? session.Required("project_id"), expires);
    }

    /// <summary>
    /// Workload identity federation: the job's token for the provider's audience is exchanged at Google's
    /// STS for a federated token, which impersonates the service account (generateAccessToken) when one is named.
    /// </summary>
    private static GoogleCredential Federated(ConnectorContext session)
    {
        var provider = session.Required("workload_identity_provider").Trim().TrimStart('/');
        var (tokenUrl, iamUrl) = (session.Required("token_url"), session.Required("iam_credentials_url"));
        var initializer = new ProgrammaticExternalAccountCredential.Initializer(tokenUrl, $"//iam.googleapis.com/{provider}", "urn:ietf:params:oauth:token-type:jwt",
            new JobToken(session, $"https://iam.googleapis.com/{provider}", [tokenUrl, iamUrl]));
        if (session.Setting("service_account") is { } account)
            initializer.ServiceAccountImpersonationUrl = new Uri(new Uri(iamUrl), $"v1/projects/-/serviceAccounts/{Uri.EscapeDataString(account)}:generateAccessToken").AbsoluteUri;
        return GoogleCredential.FromProgrammaticExternalAccountCredential(new ProgrammaticExternalAccountCredential(initializer));
    }

    /// <summary>The domain of Google's own endpoints, where a job's identity token may be sent.</summary>
    private static readonly string[] Domains = ["googleapis.com"];

    private sealed class JobToken(ConnectorContext session, string audience, IReadOnlyList<string> endpoints) : ProgrammaticExternalAccountCredential.ISubjectTokenProvider
    {
        public Task<string> GetSubjectTokenAsync(ProgrammaticExternalAccountCredential caller, CancellationToken cancellation) =>
            Connectors.FederatedToken.ForAsync(session, audience, "Google Cloud", Domains, endpoints, cancellation);
    }

    private static string Reason(ConnectorContext session, Exception e) => e switch
    {
        TokenResponseException token when session.AuthMethod == "workload-identity" =>
            $"Google refused the federated sign-in{(token.StatusCode is { } status ? $" ({(int)status} {status})" : "")}: {token.Error?.ErrorDescription ?? token.Error?.Error}; check that the pool's provider accepts this subject and that the service account grants it roles/iam.workloadIdentityUser",
        TokenResponseException token => $"the token endpoint refused the service account: {token.Error?.Error} ({token.Error?.ErrorDescription})",
        InvalidOperationException or ArgumentException => $"the service account key is not usable: {e.Message.Split('\n')[0]}",
        _ => session.Describe(e, "the token endpoint"),
    };

    /// <summary>The library's HTTP clients, with the connector's certificate authority and time limit.</summary>
    private sealed class Handlers(ConnectorContext session) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => session.CreateHandler();
    }
}
