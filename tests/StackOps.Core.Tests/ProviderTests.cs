using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>Each connector type through its SDK against a loopback server that speaks the service's protocol.</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class ProviderTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    private ConnectorService Connectors => _store.Engine.Connectors;

    private static StackOpsException Throws(Action action) => Assert.Throws<StackOpsException>(action);

    private static Dictionary<string, object?> Settings(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private static Dictionary<string, string> Credentials(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void GitHubTokenIsVerifiedAndListsRepositories()
    {
        using var github = new FakeGitHub();
        Connectors.Create("gh", "github", "token", Settings(("api_url", github.ApiUrl)), Credentials(("token", FakeGitHub.Token)));
        var repositories = Connectors.Resources("gh", "github-repository").Single();
        Assert.Equal(["octo-org/training", "octo-user/pipelines"], repositories.ResourceIds);
        // An Enterprise Server (any API host but api.github.com) serves its container registry at containers.HOST.
        Assert.Equal(["containers.127.0.0.1"], Connectors.Resources("gh", "container-registry").Single().ResourceIds);
        var login = Connectors.Credential("gh", "container-registry");
        Assert.Equal((FakeGitHub.Login, FakeGitHub.Token), (login.Settings["username"], login.Secrets["password"]));
        Assert.Contains(github.Server.Requests, r => r.Path == "/api/v3/user" && r.Headers["User-Agent"].StartsWith("StackOps", StringComparison.Ordinal));

        var error = Throws(() => Connectors.Create("bad", "github", "token", Settings(("api_url", github.ApiUrl)), Credentials(("token", "ghp_wrongtoken0000"))));
        Assert.Equal("ConnectorVerificationFailed", error.ErrorId);
        Assert.Contains("401 (Bad credentials)", error.Message);
    }

    [Fact]
    public void AGitHubAppSignsAJwtAndGetsInstallationTokens()
    {
        using var github = new FakeGitHub();
        Connectors.Create("app", "github", "github-app", Settings(("api_url", github.ApiUrl), ("app_id", FakeGitHub.AppId)),
            Credentials(("private_key", github.AppPrivateKeyPem)), "github-repository");
        Assert.Equal(["octo-org/training"], Connectors.Resources("app").Single().ResourceIds);
        var credential = Connectors.Credential("app", resourceId: "octo-org/training");
        Assert.StartsWith("ghs_installationtoken", credential.Secrets["token"]);
        Assert.Equal(credential.Secrets["token"], github.IssuedTokens[^1]);
        Assert.InRange(credential.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));
        var tokenRequest = github.Server.Requests.Last(r => r.Path == $"/api/v3/app/installations/{FakeGitHub.InstallationId}/access_tokens");
        Assert.Equal("POST", tokenRequest.Method);
        Assert.StartsWith("Bearer ey", tokenRequest.Headers["Authorization"]);

        using var otherKey = System.Security.Cryptography.RSA.Create(2048);
        var error = Throws(() => Connectors.Create("wrong-key", "github", "github-app", Settings(("api_url", github.ApiUrl), ("app_id", FakeGitHub.AppId)),
            Credentials(("private_key", otherKey.ExportPkcs8PrivateKeyPem()))));
        Assert.Contains("A JSON web token could not be decoded", error.Message);
        Assert.DoesNotContain("PRIVATE KEY", error.Message);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("client-certificate")]
    [InlineData("password")]
    public void KubernetesIsVerifiedThroughTheClientWithEachAuthMethod(string method)
    {
        var certificates = new TestCertificates();
        using var cluster = new FakeKubernetes(certificates);
        var settings = Settings(("server", cluster.Server.BaseAddress.ToString()), ("certificate_authority", certificates.AuthorityPem), ("cluster_name", "staging"));
        var credentials = method switch
        {
            "token" => Credentials(("token", FakeKubernetes.Token)),
            "password" => Credentials(("password", FakeKubernetes.Password)),
            _ => Credentials(("client_key", certificates.ClientKeyPem)),
        };
        if (method == "password") settings["username"] = FakeKubernetes.User;
        if (method == "client-certificate") settings["client_certificate"] = certificates.ClientCertificatePem;
        Connectors.Create("k8s", "kubernetes", method, settings, credentials, "kubernetes-cluster");
        var resources = Connectors.Resources("k8s").Single();
        Assert.Equal(["staging"], resources.ResourceIds);
        Assert.Contains("Kubernetes v1.31.2", resources.Contents);
        Assert.Contains(cluster.Server.Requests, r => r.Path.TrimEnd('/') == "/api");
        if (method == "client-certificate") Assert.Equal(certificates.Client.Thumbprint, cluster.Server.Requests.Last().ClientCertificate?.Thumbprint);
        var credential = Connectors.Credential("k8s");
        Assert.Equal(cluster.Server.BaseAddress.ToString(), credential.Settings["server"]);
    }

    [Fact]
    public void KubernetesRefusesAWrongTokenAndAnUntrustedServer()
    {
        var certificates = new TestCertificates();
        using var cluster = new FakeKubernetes(certificates);
        var wrong = Throws(() => Connectors.Create("k8s", "kubernetes", "token", Settings(("server", cluster.Server.BaseAddress.ToString()), ("certificate_authority", certificates.AuthorityPem)),
            Credentials(("token", "wrong-token-123"))));
        Assert.Contains("401", wrong.Message);
        var untrusted = Throws(() => Connectors.Create("k8s", "kubernetes", "token", Settings(("server", cluster.Server.BaseAddress.ToString())), Credentials(("token", FakeKubernetes.Token))));
        Assert.Equal("ConnectorVerificationFailed", untrusted.ErrorId);
        Assert.Empty(_store.Snapshot());
    }

    private static Dictionary<string, object?> AwsSettings(FakeAws aws, params (string Key, object? Value)[] more) =>
        Settings([("region", "eu-west-1"), ("endpoint_url", aws.Server.BaseAddress.ToString()), .. more]);

    private static Dictionary<string, string> AwsKeys() => Credentials(("aws_access_key_id", FakeAws.AccessKeyId), ("aws_secret_access_key", FakeAws.SecretAccessKey));

    [Fact]
    public void AwsSecretKeyIsVerifiedWithStsListsBucketsAndTheRegistryAndLogsInToEcr()
    {
        using var aws = new FakeAws();
        Connectors.Create("aws", "aws", "secret-key", AwsSettings(aws), AwsKeys());
        var resources = Connectors.Resources("aws").ToDictionary(r => r.ResourceType);
        Assert.True(resources.Values.All(r => r.Success), string.Join("; ", resources.Values.Select(r => r.Error)));
        Assert.Equal(["eu-west-1"], resources["aws-generic"].ResourceIds);
        Assert.Equal(["s3://ml-production", "s3://ml-staging"], resources["s3-bucket"].ResourceIds);
        Assert.Equal([$"{FakeAws.Account}.dkr.ecr.eu-west-1.amazonaws.com"], resources["docker-registry"].ResourceIds);
        Assert.Contains("GetCallerIdentity", aws.Actions);
        var credential = Connectors.Credential("aws", "s3-bucket", "s3://ml-staging");
        Assert.Equal((FakeAws.AccessKeyId, "s3://ml-staging"), (credential.Secrets["aws_access_key_id"], credential.ResourceId));
        var login = Connectors.Credential("aws", "docker-registry");
        Assert.Equal(("AWS", FakeAws.RegistryPassword), (login.Settings["username"], login.Secrets["password"]));
        Assert.Contains("ecr:GetAuthorizationToken", aws.Actions);
        Assert.Equal("ConnectorCredentialUnavailable", Throws(() => Connectors.Credential("aws", "kubernetes-cluster", "ml")).ErrorId);

        var wrong = Throws(() => Connectors.Create("bad", "aws", "secret-key", AwsSettings(aws),
            Credentials(("aws_access_key_id", FakeAws.AccessKeyId), ("aws_secret_access_key", "not-the-secret-key"))));
        Assert.Contains("SignatureDoesNotMatch", wrong.Message);
        Assert.DoesNotContain("not-the-secret-key", wrong.Message);
    }

    [Fact]
    public void AnIamRoleIssuesTheRolesTemporaryCredentialsWithTheirExpiry()
    {
        using var aws = new FakeAws();
        Connectors.Create("role", "aws", "iam-role", AwsSettings(aws, ("role_arn", FakeAws.RoleArn)), AwsKeys(), "s3-bucket", expirationSeconds: 1800);
        var credential = Connectors.Credential("role", resourceId: "s3://ml-staging");
        Assert.StartsWith("ASIAFAKETEMPORARY", credential.Secrets["aws_access_key_id"]);
        Assert.StartsWith("session-token-", credential.Secrets["aws_session_token"]);
        Assert.InRange(credential.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddSeconds(1700), DateTimeOffset.UtcNow.AddSeconds(1810));
        Assert.All(aws.Durations, d => Assert.Equal(1800, d));
        Assert.Contains("AssumeRole", aws.Actions);

        var denied = Throws(() => Connectors.Create("other", "aws", "iam-role", AwsSettings(aws, ("role_arn", "arn:aws:iam::1:role/nope")), AwsKeys(), "aws-generic"));
        Assert.Contains("AccessDenied", denied.Message);

        Connectors.Create("session", "aws", "session-token", AwsSettings(aws), AwsKeys(), "aws-generic");
        var session = Connectors.Credential("session");
        Assert.InRange(session.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddHours(11.9), DateTimeOffset.UtcNow.AddHours(12.1));
    }

    [Fact]
    public void AnAzureServicePrincipalGetsEntraTokensAndAcrLogins()
    {
        var certificates = new TestCertificates();
        using var azure = new FakeAzure(certificates);
        var settings = Settings(("tenant_id", FakeAzure.Tenant), ("client_id", FakeAzure.ClientId), ("subscription_id", "sub-1"),
            ("authority_host", azure.Entra.BaseAddress.ToString()), ("certificate_authority", certificates.AuthorityPem));
        Connectors.Create("azure", "azure", "service-principal", settings, Credentials(("client_secret", FakeAzure.ClientSecret)));
        Assert.Equal(["sub-1"], Connectors.Resources("azure", "azure-generic").Single().ResourceIds);
        var token = Connectors.Credential("azure", "azure-generic");
        Assert.StartsWith("eyFakeEntraAccessToken.https:__management.azure.com_.default", token.Secrets["token"]);
        Assert.InRange(token.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));
        var request = azure.Entra.Requests.Last();
        Assert.Contains("grant_type=client_credentials", request.Body);
        var login = Connectors.Credential("azure", "docker-registry", azure.Registry.HostAndPort);
        Assert.Equal((AzureUser, "acr-refresh-token-0001"), (login.Settings["username"], login.Secrets["password"]));

        var wrong = Throws(() => Connectors.Create("bad", "azure", "service-principal", settings, Credentials(("client_secret", "wrong-secret-value"))));
        Assert.Contains("AADSTS7000215", wrong.Message);
        Assert.DoesNotContain("wrong-secret-value", wrong.Message);
    }

    private const string AzureUser = "00000000-0000-0000-0000-000000000000";

    [Fact]
    public void AGcpServiceAccountSignsAnAssertionForAnAccessToken()
    {
        using var google = new FakeGoogle();
        Connectors.Create("gcp", "gcp", "service-account", Settings(), Credentials(("service_account_json", google.ServiceAccountJson)));
        var resources = Connectors.Resources("gcp").ToDictionary(r => r.ResourceType);
        Assert.Equal([FakeGoogle.Project], resources["gcp-generic"].ResourceIds);
        var login = Connectors.Credential("gcp", "docker-registry", "europe-west1-docker.pkg.dev");
        Assert.Equal(("oauth2accesstoken", google.Tokens[^1]), (login.Settings["username"], login.Secrets["password"]));
        Assert.InRange(login.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.Contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", google.Server.Requests[^1].Body);

        using var other = new FakeGoogle();
        var foreignKey = System.Text.Json.Nodes.JsonNode.Parse(other.ServiceAccountJson)!;
        foreignKey["token_uri"] = new Uri(google.Server.BaseAddress, "token").ToString();
        var wrong = Throws(() => Connectors.Create("bad", "gcp", "service-account", Settings(), Credentials(("service_account_json", foreignKey.ToJsonString()))));
        Assert.Contains("Invalid JWT Signature", wrong.Message);
        Assert.DoesNotContain("PRIVATE KEY", wrong.Message);
    }

    [Fact]
    public void LoginWritesAKubeconfigThatKubectlsClientCanUse()
    {
        var certificates = new TestCertificates();
        using var cluster = new FakeKubernetes(certificates);
        Connectors.Create("k8s", "kubernetes", "token", Settings(("server", cluster.Server.BaseAddress.ToString()), ("certificate_authority", certificates.AuthorityPem)),
            Credentials(("token", FakeKubernetes.Token)), "kubernetes-cluster", "staging");
        var kubeconfig = _store.File("kube/config");
        File.WriteAllText(kubeconfig.EnsureFolder(), "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://10.0.0.1\ncontexts: []\nusers: []\n");
        var login = Connectors.Login("k8s", path: kubeconfig);
        Assert.Equal(("kubectl", "staging"), (login.Client, login.Entry));
        var config = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        Assert.Equal("staging", config.CurrentContext);
        using var client = new k8s.Kubernetes(config);
        Assert.Equal("v1.31.2", k8s.VersionOperationsExtensions.GetCode(client.Version).GitVersion);
        Assert.Contains("name: other", File.ReadAllText(kubeconfig));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kubeconfig));
    }

    [Fact]
    public void LoginAddsADockerAuthEntryAndKeepsTheOthers()
    {
        using var github = new FakeGitHub();
        Connectors.Create("gh", "github", "token", Settings(("api_url", github.ApiUrl)), Credentials(("token", FakeGitHub.Token)));
        var config = _store.File("docker/config.json");
        File.WriteAllText(config.EnsureFolder(), """{ "auths": { "other.example.com": { "auth": "b3RoZXI=" } }, "credsStore": "" }""");
        var login = Connectors.Login("gh", path: config);
        Assert.Equal(("docker", "containers.127.0.0.1"), (login.Client, login.Entry));
        var auths = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!["auths"]!;
        Assert.Equal("b3RoZXI=", (string?)auths["other.example.com"]!["auth"]);
        Assert.Equal($"{FakeGitHub.Login}:{FakeGitHub.Token}", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)auths["containers.127.0.0.1"]!["auth"]!)));
        Assert.Equal("NoClientToConfigure", Throws(() => Connectors.Login("gh", "github-repository")).ErrorId);
    }
}

internal static class PathExtensions
{
    public static string EnsureFolder(this string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
