using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StackOps.Tests.Shared;

/// <summary>
/// A Kubernetes API server over HTTPS (a private authority) that answers /version and /api, and the
/// Jobs, Pods, Secrets and pod log API (FakeKubernetesJobs.cs), only to the bearer token, the client
/// certificate or the user name and password it was given.
/// </summary>
public sealed partial class FakeKubernetes : IDisposable
{
    public const string Token = "k8s-test-token-0123456789";
    public const string User = "admin";
    public const string Password = "k8s-test-password";

    public FakeKubernetes(TestCertificates certificates)
    {
        Server = new LoopbackServer(app =>
        {
            app.MapGet("/version", (HttpContext c) => Authorized(c, certificates) ? Results.Json(new { major = "1", minor = "31", gitVersion = "v1.31.2" }) : Unauthorized());
            app.MapGet("/api", (HttpContext c) => Authorized(c, certificates)
                ? Results.Json(new { kind = "APIVersions", versions = new[] { "v1" }, serverAddressByClientCIDRs = new[] { new { clientCIDR = "0.0.0.0/0", serverAddress = "127.0.0.1:6443" } } })
                : Unauthorized());
            MapJobs(app, certificates);
        }, certificates.Server, askClientCertificate: true);
    }

    public LoopbackServer Server { get; }

    private static bool Authorized(HttpContext context, TestCertificates certificates)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header == $"Bearer {Token}") return true;
        if (header == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"))) return true;
        return context.Connection.ClientCertificate is { } client && client.Thumbprint == certificates.Client.Thumbprint;
    }

    private static IResult Unauthorized() =>
        Results.Json(new { kind = "Status", apiVersion = "v1", status = "Failure", message = "Unauthorized", reason = "Unauthorized", code = 401 }, statusCode: 401);

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// One AWS account on one loopback endpoint, answering only requests whose Signature Version 4
/// verifies with a known key: STS's query API (GetCallerIdentity, AssumeRole, GetSessionToken), and
/// AssumeRoleWithWebIdentity (unsigned, as AWS takes it) for tokens of the trusted OIDC issuer whose
/// subject the role's trust condition (<see cref="TrustedSubject"/>) allows; and the S3, IAM and ECR
/// calls Terraform's AWS provider makes for buckets, roles and repositories (FakeAwsResources.cs).
/// </summary>
public sealed partial class FakeAws : IDisposable
{
    public const string AccessKeyId = "AKIAFAKETEST00000001";
    public const string SecretAccessKey = "fake/secret+access+key/0000000000000001";
    public const string Account = "123456789012";
    public const string RoleArn = "arn:aws:iam::123456789012:role/ml-deployer";
    private const string StsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

    private readonly Dictionary<string, string> _keys = new() { [AccessKeyId] = SecretAccessKey };
    private readonly FakeOidcIssuer? _issuer;
    private int _issued;

    public FakeAws(FakeOidcIssuer? issuer = null)
    {
        _issuer = issuer;
        Server = new LoopbackServer(app =>
        {
            // (HttpContext, CancellationToken) keeps the handler a Delegate: a lone HttpContext lambda would bind as a RequestDelegate and drop its result.
            app.MapPost("/", async (HttpContext c, CancellationToken _) => await Query(c));
            app.Map("/{**path}", async (HttpContext c, CancellationToken _) => await S3(c));
        });
    }

    public LoopbackServer Server { get; }
    public List<string> Actions { get; } = [];
    public List<int> Durations { get; } = [];
    /// <summary>The role's trust condition on the token's sub (StringLike).</summary>
    public string TrustedSubject { get; set; } = $"repo:{FakeOidcIssuer.Repository}:environment:production";

    /// <summary>POST /: ECR's JSON API (X-Amz-Target), else the query APIs of IAM or STS, told apart by the signature's scope.</summary>
    private async Task<IResult> Query(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        if (context.Request.Headers["X-Amz-Target"].ToString() is { Length: > 0 } target)
            return Verify(context, body) is { } refused ? Json(refused.Code, refused.Message, 403) : Ecr(target[(target.IndexOf('.') + 1)..], body);
        var form = body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p.Length > 1 ? p[1].Replace('+', ' ') : ""));
        var action = form.GetValueOrDefault("Action", "");
        if (context.Request.Headers.Authorization.ToString().Contains("/iam/aws4_request", StringComparison.Ordinal))
            return Verify(context, body) is { } refused ? Xml(Error(refused.Message, "iam", refused.Code), 403) : Iam(action, form);
        if (action == "AssumeRoleWithWebIdentity")
        {
            lock (Actions) Actions.Add(action);
            return AssumeRoleWithWebIdentity(form);
        }
        if (Verify(context, body) is { } problem) return Xml(Error(problem.Message, "sts", problem.Code), 403);
        lock (Actions) Actions.Add(action);
        switch (action)
        {
            case "GetCallerIdentity":
                return Xml($"""<GetCallerIdentityResponse xmlns="{StsNamespace}"><GetCallerIdentityResult><Arn>arn:aws:iam::{Account}:user/ci</Arn><UserId>AIDAFAKE</UserId><Account>{Account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>""", 200);
            case "AssumeRole" when form.GetValueOrDefault("RoleArn") != RoleArn:
                return Xml(Error($"User is not authorized to perform: sts:AssumeRole on resource: {form.GetValueOrDefault("RoleArn")}", "sts", "AccessDenied"), 403);
            case "AssumeRole" or "GetSessionToken":
                var credentials = Issue(form);
                return Xml(action == "AssumeRole"
                    ? $"""<AssumeRoleResponse xmlns="{StsNamespace}"><AssumeRoleResult>{credentials}<AssumedRoleUser><Arn>{RoleArn}/stackops</Arn><AssumedRoleId>AROAFAKE:stackops</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></AssumeRoleResponse>"""
                    : $"""<GetSessionTokenResponse xmlns="{StsNamespace}"><GetSessionTokenResult>{credentials}</GetSessionTokenResult><ResponseMetadata><RequestId>3</RequestId></ResponseMetadata></GetSessionTokenResponse>""", 200);
            default:
                return Xml(Error($"Could not find operation {action}", "sts", "InvalidAction"), 400);
        }
    }

    /// <summary>Temporary credentials for the request's DurationSeconds, known from then on to the signature check.</summary>
    private string Issue(IReadOnlyDictionary<string, string> form)
    {
        var seconds = int.Parse(form.GetValueOrDefault("DurationSeconds", "3600"));
        lock (Durations) Durations.Add(seconds);
        var issued = Interlocked.Increment(ref _issued);
        var id = $"ASIAFAKETEMPORARY{issued:D3}";
        var secret = $"temporary/secret/{issued:D3}";
        lock (_keys) _keys[id] = secret;
        var expiration = DateTime.UtcNow.AddSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ");
        return $"<Credentials><AccessKeyId>{id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>session-token-{issued:D3}</SessionToken><Expiration>{expiration}</Expiration></Credentials>";
    }

    private IResult AssumeRoleWithWebIdentity(IReadOnlyDictionary<string, string> form)
    {
        if (_issuer is null) return Xml(Error("No OpenIDConnect provider found in your account for this issuer", "sts", "InvalidIdentityToken"), 400);
        var (claims, problem) = _issuer.Verify(form.GetValueOrDefault("WebIdentityToken", ""), "sts.amazonaws.com");
        if (problem is not null) return Xml(Error($"Couldn't retrieve verification key from your identity provider, or {problem}", "sts", problem.Contains("expired") ? "ExpiredTokenException" : "InvalidIdentityToken"), 400);
        var subject = claims.GetProperty("sub").GetString()!;
        if (!Trusts(form.GetValueOrDefault("RoleArn", ""), subject))
            return Xml(Error("Not authorized to perform sts:AssumeRoleWithWebIdentity", "sts", "AccessDenied"), 403);
        return Xml($"""<AssumeRoleWithWebIdentityResponse xmlns="{StsNamespace}"><AssumeRoleWithWebIdentityResult>{Issue(form)}<SubjectFromWebIdentityToken>{subject}</SubjectFromWebIdentityToken><AssumedRoleUser><Arn>{RoleArn}/stackops</Arn><AssumedRoleId>AROAFAKE:stackops</AssumedRoleId></AssumedRoleUser><Provider>{_issuer.Issuer}</Provider><Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>5</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>""", 200);
    }

    /// <summary>
    /// Whether a role's trust lets a token's subject assume it: <see cref="RoleArn"/> by <see cref="TrustedSubject"/>,
    /// a role created through IAM by the subject its trust policy's StringEquals condition names.
    /// </summary>
    private bool Trusts(string roleArn, string subject)
    {
        if (roleArn == RoleArn)
            return System.Text.RegularExpressions.Regex.IsMatch(subject, "^" + System.Text.RegularExpressions.Regex.Escape(TrustedSubject).Replace(@"\*", ".*") + "$");
        lock (_state)
            return _roles.TryGetValue(roleArn.Split('/').Last(), out var role)
                && JsonDocument.Parse(role.TrustPolicy).RootElement.GetProperty("Statement").EnumerateArray().Any(statement =>
                    statement.GetProperty("Action").ToString() == "sts:AssumeRoleWithWebIdentity"
                    && statement.GetProperty("Condition").GetProperty("StringEquals").GetProperty("token.actions.githubusercontent.com:sub").ToString() == subject);
    }

    private static string Error(string message, string service, string code) => service == "s3"
        ? $"""<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>4</RequestId></Error>"""
        : $"""<ErrorResponse xmlns="{StsNamespace}"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>4</RequestId></ErrorResponse>""";

    private static IResult Xml(string xml, int status) => Results.Content(xml, "text/xml", Encoding.UTF8, status);

    /// <summary>Null when the request's Signature Version 4 verifies with the key it names; else AWS's error code and message.</summary>
    private (string Code, string Message)? Verify(HttpContext context, string body)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal)) return ("MissingAuthenticationToken", "Missing Authentication Token");
        var fields = authorization[17..].Split(',').Select(p => p.Trim().Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var scope = fields["Credential"].Split('/', 2);
        string? secret;
        lock (_keys) secret = _keys.GetValueOrDefault(scope[0]);
        if (secret is null) return ("InvalidClientTokenId", "The security token included in the request is invalid.");
        var signedHeaders = fields["SignedHeaders"].Split(';');
        var request = context.Request;
        var query = string.Join("&", request.Query.SelectMany(q => q.Value.Select(v => (Key: Encode(q.Key), Value: Encode(v ?? ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var headers = string.Concat(signedHeaders.Select(h => $"{h}:{string.Join(",", request.Headers[h].Select(v => v!.Trim()))}\n"));
        var payload = request.Headers["x-amz-content-sha256"].FirstOrDefault() ?? Hex(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var canonical = $"{request.Method}\n{string.Join("/", request.Path.Value!.Split('/').Select(Encode))}\n{query}\n{headers}\n{fields["SignedHeaders"]}\n{payload}";
        var date = request.Headers["x-amz-date"].ToString();
        var toSign = $"AWS4-HMAC-SHA256\n{date}\n{scope[1]}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in scope[1].Split('/')) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        return Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign))) == fields["Signature"]
            ? null : ("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
    }

    private static string Encode(string text) => Uri.EscapeDataString(text);

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// Microsoft Entra ID's token endpoint (client credentials flow) over HTTPS, and an Azure container
/// registry's /oauth2/exchange on a second, plain loopback endpoint.
/// </summary>
public sealed class FakeAzure : IDisposable
{
    public const string Tenant = "11111111-2222-3333-4444-555555555555";
    public const string ClientId = "66666666-7777-8888-9999-000000000000";
    public const string ClientSecret = "fake-entra-client-secret-0001";

    public FakeAzure(TestCertificates certificates, FakeOidcIssuer? issuer = null)
    {
        Entra = new LoopbackServer(app => app.MapPost($"/{Tenant}/oauth2/v2.0/token", async (HttpContext c, CancellationToken _) =>
        {
            var form = await c.Request.ReadFormAsync();
            if (form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                var (claims, problem) = issuer?.Verify(form["client_assertion"].ToString(), "api://AzureADTokenExchange") ?? (default, "no federated identity credential trusts the issuer");
                if (problem is null && claims.GetProperty("sub").GetString() != FederatedSubject) problem = "no matching federated identity record found for presented assertion subject";
                if (problem is not null || form["client_id"] != ClientId)
                    return Results.Json(new { error = "invalid_client", error_description = $"AADSTS700213: {problem ?? "unknown client"}.", error_codes = new[] { 700213 } }, statusCode: 401);
            }
            else if (form["grant_type"] != "client_credentials" || form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
                return Results.Json(new
                {
                    error = "invalid_client", error_description = $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{ClientId}'.",
                    error_codes = new[] { 7000215 },
                }, statusCode: 401);
            var token = $"eyFakeEntraAccessToken.{form["scope"].ToString().Replace('/', '_')}";
            Tokens.Add(token);
            return Results.Json(new { token_type = "Bearer", expires_in = 3599, ext_expires_in = 3599, access_token = token });
        }), certificates.Server);
        Registry = new LoopbackServer(app => app.MapPost("/oauth2/exchange", async (HttpContext c, CancellationToken _) =>
        {
            var form = await c.Request.ReadFormAsync();
            return Tokens.Contains(form["access_token"].ToString()) && form["grant_type"] == "access_token"
                ? Results.Json(new { refresh_token = "acr-refresh-token-0001" })
                : Results.Json(new { errors = new[] { new { code = "UNAUTHORIZED", message = "invalid access token" } } }, statusCode: 401);
        }));
    }

    /// <summary>The subject of the app's federated identity credential.</summary>
    public const string FederatedSubject = $"repo:{FakeOidcIssuer.Repository}:environment:production";
    public LoopbackServer Entra { get; }
    public LoopbackServer Registry { get; }
    public List<string> Tokens { get; } = [];

    public void Dispose()
    {
        Entra.Dispose();
        Registry.Dispose();
    }
}

/// <summary>
/// Google's OAuth 2.0 token endpoint for service accounts (it verifies the RS256 assertion with the
/// account's public key); and workload identity federation: STS's token exchange for tokens of the
/// trusted OIDC issuer whose subject the pool's provider allows, and the IAM Credentials API's
/// generateAccessToken, which a federated token may call for <see cref="Email"/> only.
/// </summary>
public sealed class FakeGoogle : IDisposable
{
    public const string Project = "ml-project";
    public const string Email = "ci@ml-project.iam.gserviceaccount.com";
    public const string Provider = "projects/123456/locations/global/workloadIdentityPools/github/providers/octo-org";
    public const string FederatedSubject = $"repo:{FakeOidcIssuer.Repository}:environment:production";

    private readonly RSA _key = RSA.Create(2048);

    public FakeGoogle(FakeOidcIssuer? issuer = null)
    {
        Server = new LoopbackServer(app =>
        {
            app.MapPost("/v1/token", async (HttpContext c, CancellationToken _) =>
            {
                var form = await c.Request.ReadFormAsync();
                var (claims, problem) = issuer?.Verify(form["subject_token"].ToString(), $"https://iam.googleapis.com/{Provider}") ?? (default, "no provider trusts the issuer");
                if (problem is null && form["audience"] != $"//iam.googleapis.com/{Provider}") problem = "the audience is not the provider";
                if (problem is null && claims.GetProperty("sub").GetString() != FederatedSubject) problem = "the attribute condition of the provider rejected the credential";
                if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:token-exchange") problem = "unsupported grant type";
                if (problem is not null) return Results.Json(new { error = "invalid_grant", error_description = problem }, statusCode: 400);
                var federated = $"federated-access-token-{Tokens.Count + 1:D4}";
                Tokens.Add(federated);
                return Results.Json(new { access_token = federated, issued_token_type = "urn:ietf:params:oauth:token-type:access_token", token_type = "Bearer", expires_in = 3600 });
            });
            app.MapPost("/v1/projects/-/serviceAccounts/{**account}", (HttpContext c) =>
            {
                var bearer = c.Request.Headers.Authorization.ToString();
                if (!bearer.StartsWith("Bearer federated-access-token-", StringComparison.Ordinal) || !Tokens.Contains(bearer[7..]))
                    return Results.Json(new { error = new { code = 401, message = "Request had invalid authentication credentials.", status = "UNAUTHENTICATED" } }, statusCode: 401);
                if (c.Request.RouteValues["account"]?.ToString() != $"{Email}:generateAccessToken")
                    return Results.Json(new { error = new { code = 403, message = "Permission 'iam.serviceAccounts.getAccessToken' denied", status = "PERMISSION_DENIED" } }, statusCode: 403);
                var token = $"ya29.impersonated-access-token-{Tokens.Count + 1:D4}";
                Tokens.Add(token);
                return Results.Json(new { accessToken = token, expireTime = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ") });
            });
            app.MapPost("/token", async (HttpContext c, CancellationToken _) =>
            {
                var form = await c.Request.ReadFormAsync();
                var problem = form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" ? "unsupported_grant_type" : Check(form["assertion"].ToString());
                if (problem is not null) return Results.Json(new { error = "invalid_grant", error_description = problem }, statusCode: 400);
                var token = $"ya29.fake-access-token-{Tokens.Count + 1:D4}";
                Tokens.Add(token);
                return Results.Json(new { access_token = token, expires_in = 3599, token_type = "Bearer" });
            });
        });
        ServiceAccountJson = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account", ["project_id"] = Project, ["private_key_id"] = "fake-key-1", ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = Email, ["client_id"] = "1234567890", ["token_uri"] = new Uri(Server.BaseAddress, "token").ToString(),
        });
    }

    public LoopbackServer Server { get; }
    public string ServiceAccountJson { get; }
    public List<string> Tokens { get; } = [];

    private string? Check(string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3 || !_key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Jwt.Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return "Invalid JWT Signature.";
        var claims = JsonDocument.Parse(Jwt.Decode(parts[1])).RootElement;
        if (claims.GetProperty("iss").GetString() != Email) return "Invalid issuer.";
        // Google documents the audience of an access token request as always its own token URL, whatever the endpoint.
        if (claims.GetProperty("aud").GetString() != "https://oauth2.googleapis.com/token") return "Invalid JWT: audience.";
        if (!claims.GetProperty("scope").GetString()!.Contains("cloud-platform")) return "Invalid scope.";
        return claims.GetProperty("exp").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds() ? null : "Invalid JWT: Token must be a short-lived token.";
    }

    public void Dispose()
    {
        Server.Dispose();
        _key.Dispose();
    }
}
