using StackOps.Abstractions;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// AWS through the official SDK (STS, S3), at the connector's endpoint_url when it has one: STS
/// GetCallerIdentity verifies the credentials; iam-role assumes the role and session-token gets a
/// session token (AssumeRole, GetSessionToken), so components get temporary credentials with their
/// expiry. S3 buckets are listed with ListBuckets; the account's ECR registry is derived from the
/// caller's account and the region, as ZenML does.
/// </summary>
internal sealed class AwsProvider : IConnectorProvider
{
    public async Task<ResourceListing> ListAsync(ConnectorContext session, ResourceTypeDefinition resourceType, CancellationToken cancellation)
    {
        try
        {
            var (credentials, account, _) = await SignInAsync(session, cancellation);
            var region = session.Required("region");
            switch (resourceType.Name)
            {
                case "aws-generic":
                    return ResourceListing.Reached([region], [$"account {account}"]);
                case "s3-bucket":
                    using (var s3 = new AmazonS3Client(credentials, S3Configuration(session)))
                    {
                        var buckets = await s3.ListBucketsAsync(cancellation);
                        return ResourceListing.Reached((buckets.Buckets ?? []).Select(b => $"s3://{b.BucketName}").Order(StringComparer.Ordinal).ToList());
                    }
                case ConnectorCatalog.DockerRegistry:
                    return ResourceListing.Reached([Registry(account, region)]);
                default:
                    return ResourceListing.Reached(session.ResourceId is { } cluster ? [cluster] : [],
                        ["EKS clusters are not enumerated (this build has no EKS API client): link components with -ResourceId CLUSTER"]);
            }
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or OperationCanceledException)
        {
            return ResourceListing.Failed(Reason(session, e));
        }
    }

    public async Task<IssuedCredential> IssueAsync(ConnectorContext session, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation)
    {
        if (resourceType.Name is ConnectorCatalog.KubernetesCluster)
            throw new Errors.StackOpsException("ConnectorCredentialUnavailable", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' cannot issue EKS tokens: this build has no EKS API client. Get AWS credentials with -ResourceType aws-generic and use the AWS CLI (aws eks get-token).", session.Name);
        try
        {
            var (credentials, _, expires) = await SignInAsync(session, cancellation);
            var values = await credentials.GetCredentialsAsync();
            if (resourceType.Name == ConnectorCatalog.DockerRegistry)
            {
                var (user, password, until) = await EcrLoginAsync(session, values, cancellation);
                return new IssuedCredential(resourceId, new Dictionary<string, string> { ["username"] = user }, new Dictionary<string, string> { ["password"] = password },
                    until is { } at && (expires is null || at < expires) ? at : expires);
            }
            var settings = new Dictionary<string, string> { ["region"] = session.Required("region") };
            if (session.Setting("endpoint_url") is { } endpoint) settings["endpoint_url"] = endpoint;
            if (resourceId is not null) settings["resource_id"] = resourceId;
            var secrets = new Dictionary<string, string> { ["aws_access_key_id"] = values.AccessKey, ["aws_secret_access_key"] = values.SecretKey };
            if (!string.IsNullOrEmpty(values.Token)) secrets["aws_session_token"] = values.Token;
            return new IssuedCredential(resourceId, settings, secrets, expires);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or OperationCanceledException)
        {
            throw new Errors.StackOpsException("ConnectorCredentialFailed", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' could not get AWS credentials: {Reason(session, e)}.", session.Name);
        }
    }

    /// <summary>The credentials components get (the role's or a session's for iam-role and session-token), checked with GetCallerIdentity.</summary>
    private static async Task<(AWSCredentials Credentials, string Account, DateTimeOffset? Expires)> SignInAsync(ConnectorContext session, CancellationToken cancellation)
    {
        AWSCredentials credentials = session.AuthMethod switch
        {
            "implicit" => Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials(),
            "sts-token" => new SessionAWSCredentials(session.Required("aws_access_key_id"), session.Required("aws_secret_access_key"), session.Required("aws_session_token")),
            "web-identity" => new AnonymousAWSCredentials(),
            _ => new BasicAWSCredentials(session.Required("aws_access_key_id"), session.Required("aws_secret_access_key")),
        };
        DateTimeOffset? expires = null;
        using (var sts = new AmazonSecurityTokenServiceClient(credentials, StsConfiguration(session)))
        {
            var seconds = (int)session.Lifetime.TotalSeconds;
            if (session.AuthMethod == "web-identity")
            {
                var token = await Connectors.FederatedToken.ForAsync(session, session.Required("audience"), "AWS", Domains, [session.Setting("endpoint_url")], cancellation);
                var assumed = await sts.AssumeRoleWithWebIdentityAsync(new AssumeRoleWithWebIdentityRequest
                {
                    RoleArn = session.Required("role_arn"), RoleSessionName = SessionName(session), WebIdentityToken = token, DurationSeconds = seconds,
                }, cancellation);
                (credentials, expires) = Temporary(assumed.Credentials);
            }
            else if (session.AuthMethod == "iam-role")
            {
                var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest
                {
                    RoleArn = session.Required("role_arn"), RoleSessionName = SessionName(session),
                    DurationSeconds = seconds, ExternalId = session.Setting("external_id"),
                }, cancellation);
                (credentials, expires) = Temporary(assumed.Credentials);
            }
            else if (session.AuthMethod == "session-token")
            {
                var token = await sts.GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = seconds }, cancellation);
                (credentials, expires) = Temporary(token.Credentials);
            }
        }
        using var checker = new AmazonSecurityTokenServiceClient(credentials, StsConfiguration(session));
        var identity = await checker.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellation);
        return (credentials, identity.Account, expires ?? session.ExpiresAt);
    }

    /// <summary>The domains of AWS's own endpoints, where a job's identity token may be sent.</summary>
    private static readonly string[] Domains = ["amazonaws.com", "amazonaws.com.cn"];

    private static string SessionName(ConnectorContext session) => $"stackops-{session.Name}"[..Math.Min(64, 9 + session.Name.Length)];

    private static (AWSCredentials, DateTimeOffset?) Temporary(Credentials issued)
    {
        Secrets.SecretMasker.Shared.Register(issued.SecretAccessKey);
        Secrets.SecretMasker.Shared.Register(issued.SessionToken);
        return (new SessionAWSCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken),
            issued.Expiration is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null);
    }

    private static AmazonSecurityTokenServiceConfig StsConfiguration(ConnectorContext session) => Configure(new AmazonSecurityTokenServiceConfig(), session);

    private static AmazonS3Config S3Configuration(ConnectorContext session)
    {
        var configuration = Configure(new AmazonS3Config(), session);
        if (session.Setting("endpoint_url") is not null) configuration.ForcePathStyle = true;
        return configuration;
    }

    private static T Configure<T>(T configuration, ConnectorContext session) where T : ClientConfig
    {
        var region = session.Required("region");
        if (session.Setting("endpoint_url") is { } endpoint)
        {
            configuration.ServiceURL = endpoint;
            configuration.AuthenticationRegion = region;
        }
        else configuration.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        configuration.Timeout = session.Timeout;
        configuration.MaxErrorRetry = 1;
        configuration.HttpClientFactory = new Handlers(session);
        return configuration;
    }

    /// <summary>
    /// ECR's GetAuthorizationToken (what `aws ecr get-login-password` calls): a 12-hour registry login
    /// for the credentials. The package mirror serves no AWSSDK.ECR, so the one JSON call is made here
    /// and signed with the SDK's own Signature Version 4 signer.
    /// </summary>
    private static async Task<(string User, string Password, DateTimeOffset? Expires)> EcrLoginAsync(ConnectorContext session, ImmutableCredentials credentials, CancellationToken cancellation)
    {
        var region = session.Required("region");
        var endpoint = new Uri(session.Setting("endpoint_url") ?? $"https://api.ecr.{region}.amazonaws.com/");
        const string body = "{}";
        var now = DateTime.UtcNow;
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-amz-json-1.1", ["host"] = endpoint.Authority, ["x-amz-date"] = now.ToString("yyyyMMddTHHmmssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["x-amz-target"] = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken",
        };
        if (credentials.UseToken) headers["x-amz-security-token"] = credentials.Token;
        var signedHeaders = string.Join(";", headers.Keys);
        var payloadHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
        var canonical = $"POST\n{endpoint.AbsolutePath}\n\n{string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n"))}\n{signedHeaders}\n{payloadHash}";
        var signature = Amazon.Runtime.Internal.Auth.AWS4Signer.ComputeSignature(credentials, region, now, "ecr", signedHeaders, canonical);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        foreach (var (name, value) in headers.Where(h => h.Key is not ("host" or "content-type"))) request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Authorization", signature.ForAuthorizationHeader);
        using var client = session.CreateHttpClient();
        using var response = await client.SendAsync(request, cancellation);
        using var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
        if (!response.IsSuccessStatusCode)
            throw new Errors.StackOpsException("ConnectorCredentialFailed", Errors.ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' could not log in to ECR: AWS answered {(int)response.StatusCode} {(answer.RootElement.TryGetProperty("__type", out var type) ? type.GetString() : "")}. Check that its identity may call ecr:GetAuthorizationToken.", session.Name);
        var data = answer.RootElement.GetProperty("authorizationData")[0];
        var login = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("authorizationToken").GetString()!)).Split(':', 2);
        Secrets.SecretMasker.Shared.Register(login[1]);
        DateTimeOffset? expires = data.TryGetProperty("expiresAt", out var at) && at.ValueKind == System.Text.Json.JsonValueKind.Number ? DateTimeOffset.FromUnixTimeSeconds((long)at.GetDouble()) : null;
        return (login[0], login[1], expires);
    }

    public static string Registry(string account, string region) => $"{account}.dkr.ecr.{region}.amazonaws.com";

    private static string Reason(ConnectorContext session, Exception e) => e switch
    {
        AmazonServiceException service => $"AWS answered {(int)service.StatusCode} {service.ErrorCode} ({service.Message})",
        AmazonClientException { InnerException: { } inner } => session.Describe(inner, session.Setting("endpoint_url") ?? "AWS"),
        _ => session.Describe(e, session.Setting("endpoint_url") ?? "AWS"),
    };

    /// <summary>The SDK's HTTP clients, with the connector's certificate authority and time limit.</summary>
    private sealed class Handlers(ConnectorContext session) : Amazon.Runtime.HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => session.CreateHttpClient();
    }
}
