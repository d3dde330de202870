using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>
/// Keyless connectors: a GitHub Actions job's OIDC token (from a test issuer, asked of a fake
/// runner as a real job asks) is traded through each cloud's SDK for short-lived credentials at a
/// loopback cloud that verifies the token's signature, audience and subject. The connector's own
/// checks run first: a job of another environment, an expired token, a token for another audience
/// or an endpoint outside the cloud are refused before anything reaches the cloud, each with its id.
/// </summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class KeylessConnectorTests : IDisposable
{
    private static readonly string[] Variables = ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "STACKOPS_OIDC_TOKEN_FILE"];
    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly TestStore _store = new();
    private readonly FakeOidcIssuer _issuer = new();
    private static readonly string Production = $"repo:{FakeOidcIssuer.Repository}:environment:production";

    public KeylessConnectorTests()
    {
        foreach (var variable in Variables) Environment.SetEnvironmentVariable(variable, null);
    }

    public void Dispose()
    {
        foreach (var (variable, value) in _saved) Environment.SetEnvironmentVariable(variable, value);
        _issuer.Dispose();
        _store.Dispose();
    }

    private ConnectorService Connectors => _store.Engine.Connectors;

    private static StackOpsException Throws(Action action) => Assert.Throws<StackOpsException>(action);

    private static Dictionary<string, object?> Settings(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>This process becomes a job of the issuer's runner, granted id-token: write.</summary>
    private void InJob()
    {
        Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_URL", _issuer.RequestUrl);
        Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", FakeOidcIssuer.RequestToken);
    }

    private int TokensIssued => _issuer.Server.Requests.Count(r => r.Path == "/runner/token");

    private static Dictionary<string, object?> AwsSettings(FakeAws aws, string subject) =>
        Settings(("region", "eu-west-1"), ("endpoint_url", aws.Server.BaseAddress.ToString()), ("role_arn", FakeAws.RoleArn), ("subject", subject));

    [Fact]
    public void AnAwsJobAssumesTheRoleWithItsTokenAndNoKeyExists()
    {
        using var aws = new FakeAws(_issuer);
        InJob();
        Connectors.Create("aws-production", "aws", "web-identity", AwsSettings(aws, Production), new Dictionary<string, string>(), "s3-bucket", expirationSeconds: 900);
        Assert.False(_store.Engine.Secrets.Exists("connector-aws-production"));
        Assert.Equal(["s3://ml-production", "s3://ml-staging"], Connectors.Resources("aws-production").Single().ResourceIds);

        var credential = Connectors.Credential("aws-production", resourceId: "s3://ml-production");
        Assert.StartsWith("ASIAFAKETEMPORARY", credential.Secrets["aws_access_key_id"]);
        Assert.StartsWith("session-token-", credential.Secrets["aws_session_token"]);
        Assert.InRange(credential.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddSeconds(800), DateTimeOffset.UtcNow.AddSeconds(910));
        Assert.Contains("AssumeRoleWithWebIdentity", aws.Actions);
        Assert.All(aws.Durations, d => Assert.Equal(900, d));
        var asked = _issuer.Server.Requests.Last(r => r.Path == "/runner/token");
        Assert.Equal("?api-version=2.0&audience=sts.amazonaws.com", asked.Query);
        Assert.Equal($"Bearer {FakeOidcIssuer.RequestToken}", asked.Headers["Authorization"]);
        Assert.DoesNotContain(File.ReadAllText(Path.Combine(_store.Root, "connectors", "aws-production.yaml")), "eyJ");
    }

    [Fact]
    public void AJobOfAnotherEnvironmentIsRefusedBeforeTheCloudIsAsked()
    {
        using var aws = new FakeAws(_issuer);
        InJob();
        Connectors.Create("aws-production", "aws", "web-identity", AwsSettings(aws, Production), new Dictionary<string, string>(), "aws-generic");
        var calls = aws.Server.Requests.Count;

        _issuer.Environment = "staging";
        var mismatch = Throws(() => Connectors.Verify("aws-production"));
        Assert.Equal("FederatedSubjectMismatch", mismatch.ErrorId);
        Assert.Contains($"'{Production}'", mismatch.Message);
        Assert.Contains("environment:staging", mismatch.Message);

        _issuer.Environment = "production";
        _issuer.Lifetime = TimeSpan.FromMinutes(-1);
        Assert.Equal("FederatedTokenExpired", Throws(() => Connectors.Credential("aws-production")).ErrorId);
        Assert.Equal(calls, aws.Server.Requests.Count);

        _issuer.Lifetime = TimeSpan.FromMinutes(5);
        aws.TrustedSubject = $"repo:{FakeOidcIssuer.Repository}:ref:refs/heads/main";
        var denied = Throws(() => Connectors.Credential("aws-production"));
        Assert.Contains("AccessDenied", denied.Message);
    }

    [Fact]
    public void OutsideAJobTheConnectorSaysWhereItWorksAndMayBeRegisteredUnverified()
    {
        using var aws = new FakeAws(_issuer);
        var unavailable = Throws(() => Connectors.Create("aws-production", "aws", "web-identity", AwsSettings(aws, Production), new Dictionary<string, string>(), "aws-generic"));
        Assert.Equal("FederatedTokenUnavailable", unavailable.ErrorId);
        Assert.Contains("id-token: write", unavailable.Message);
        Assert.Contains("-SkipVerification", unavailable.Message);
        Assert.Empty(Connectors.List().Items);

        Connectors.Create("aws-production", "aws", "web-identity", AwsSettings(aws, Production), new Dictionary<string, string>(), "aws-generic", verify: false);
        InJob();
        Assert.True(Connectors.Verify("aws-production").Single().Success);
    }

    [Fact]
    public void AnEndpointOutsideTheCloudNeverReceivesTheJobsToken()
    {
        InJob();
        var settings = Settings(("region", "eu-west-1"), ("endpoint_url", "https://sts.attacker.example"), ("role_arn", FakeAws.RoleArn), ("subject", Production));
        Connectors.Create("redirected", "aws", "web-identity", settings, new Dictionary<string, string>(), "aws-generic", verify: false);
        var refused = Throws(() => Connectors.Credential("redirected"));
        Assert.Equal("FederatedEndpointRefused", refused.ErrorId);
        Assert.Contains("https://*.amazonaws.com", refused.Message);
        Assert.Equal(0, TokensIssued);

        Connectors.Update("redirected", Settings(("endpoint_url", "https://sts.eu-west-1.amazonaws.com.attacker.example")), verify: false);
        Assert.Equal("FederatedEndpointRefused", Throws(() => Connectors.Credential("redirected")).ErrorId);
        Assert.Equal(0, TokensIssued);
    }

    [Fact]
    public void OnAServerTheOperatorsTokenFileStandsForTheJob()
    {
        using var aws = new FakeAws(_issuer);
        var file = Path.Combine(_store.Root, "..", $"token-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("STACKOPS_OIDC_TOKEN_FILE", file);
        try
        {
            File.WriteAllText(file, _issuer.Token("sts.amazonaws.com") + "\n");
            Connectors.Create("aws-production", "aws", "web-identity", AwsSettings(aws, Production), new Dictionary<string, string>(), "aws-generic");
            Assert.StartsWith("ASIAFAKETEMPORARY", Connectors.Credential("aws-production").Secrets["aws_access_key_id"]);
            Assert.Equal(0, TokensIssued);

            File.WriteAllText(file, _issuer.Token("api://AzureADTokenExchange"));
            var audience = Throws(() => Connectors.Credential("aws-production"));
            Assert.Equal("FederatedAudienceMismatch", audience.ErrorId);
            Assert.Contains("'sts.amazonaws.com'", audience.Message);

            File.WriteAllText(file, "not-a-token-but-a-password-0042");
            var invalid = Throws(() => Connectors.Credential("aws-production"));
            Assert.Equal("FederatedTokenInvalid", invalid.ErrorId);
            Assert.DoesNotContain("password-0042", invalid.Message);

            File.Delete(file);
            Assert.Equal("FederatedTokenUnavailable", Throws(() => Connectors.Credential("aws-production")).ErrorId);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void AnAzureJobSignsInWithAFederatedClientAssertion()
    {
        var certificates = new TestCertificates();
        using var azure = new FakeAzure(certificates, _issuer);
        InJob();
        var settings = Settings(("tenant_id", FakeAzure.Tenant), ("client_id", FakeAzure.ClientId), ("subject", Production), ("subscription_id", "sub-1"),
            ("authority_host", azure.Entra.BaseAddress.ToString()), ("certificate_authority", certificates.AuthorityPem));
        Connectors.Create("azure-production", "azure", "federated-identity", settings, new Dictionary<string, string>());
        var token = Connectors.Credential("azure-production", "azure-generic");
        Assert.StartsWith("eyFakeEntraAccessToken.https:__management.azure.com_.default", token.Secrets["token"]);
        Assert.Contains("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer", azure.Entra.Requests.Last().Body);
        Assert.Equal("?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange", _issuer.Server.Requests.Last(r => r.Path == "/runner/token").Query);
        var login = Connectors.Credential("azure-production", "docker-registry", azure.Registry.HostAndPort);
        Assert.Equal("acr-refresh-token-0001", login.Secrets["password"]);

        _issuer.Environment = "staging";
        Assert.Equal("FederatedSubjectMismatch", Throws(() => Connectors.Credential("azure-production", "azure-generic")).ErrorId);
        Connectors.Update("azure-production", Settings(("subject", $"repo:{FakeOidcIssuer.Repository}:environment:*")), verify: false);
        var refused = Throws(() => Connectors.Credential("azure-production", "azure-generic"));
        Assert.Contains("AADSTS700213", refused.Message);
    }

    [Fact]
    public void AGoogleJobExchangesItsTokenAndImpersonatesTheServiceAccount()
    {
        using var google = new FakeGoogle(_issuer);
        InJob();
        var settings = Settings(("workload_identity_provider", FakeGoogle.Provider), ("service_account", FakeGoogle.Email), ("project_id", FakeGoogle.Project),
            ("subject", Production), ("token_url", new Uri(google.Server.BaseAddress, "v1/token").ToString()), ("iam_credentials_url", google.Server.BaseAddress.ToString()));
        Connectors.Create("gcp-production", "gcp", "workload-identity", settings, new Dictionary<string, string>());
        Assert.Equal([FakeGoogle.Project], Connectors.Resources("gcp-production", "gcp-generic").Single().ResourceIds);
        var login = Connectors.Credential("gcp-production", "docker-registry", "europe-west1-docker.pkg.dev");
        Assert.StartsWith("ya29.impersonated-access-token-", login.Secrets["password"]);
        Assert.InRange(login.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.Equal($"?api-version=2.0&audience={Uri.EscapeDataString($"https://iam.googleapis.com/{FakeGoogle.Provider}")}",
            _issuer.Server.Requests.Last(r => r.Path == "/runner/token").Query);

        Connectors.Update("gcp-production", Settings(("service_account", "other@ml-project.iam.gserviceaccount.com")), verify: false);
        var denied = Throws(() => Connectors.Credential("gcp-production", "gcp-generic"));
        Assert.Contains("Google refused the federated sign-in (403 Forbidden)", denied.Message);

        Connectors.Update("gcp-production", Settings(("token_url", "https://sts.googleapis.com.attacker.example/v1/token")), verify: false);
        Assert.Equal("FederatedEndpointRefused", Throws(() => Connectors.Credential("gcp-production", "gcp-generic")).ErrorId);
    }
}
