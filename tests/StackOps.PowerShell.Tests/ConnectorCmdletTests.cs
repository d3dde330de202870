using System.Collections;
using System.Management.Automation;
using System.Security;
using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>Each connector type registered, verified, listed and issuing credentials through the cmdlets, in the hosted engine.</summary>
public sealed class ConnectorCmdletTests : IDisposable, IClassFixture<RegistryFixture>
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();
    private readonly DockerRegistry _registry;

    public ConnectorCmdletTests(RegistryFixture fixture)
    {
        _registry = fixture.Registry;
        _ps.Ok(SecretCmdletTests.SecureHelper);
    }

    public void Dispose() => _ps.Dispose();

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    private static string Plain(object? secure) => new System.Net.NetworkCredential("", (SecureString)((secure as PSObject)?.BaseObject ?? secure)!).Password;

    private ScriptResult Run(string script, params (string, object?)[] variables) => _ps.Run(script, variables);

    private IReadOnlyList<PSObject> Ok(string script, params (string, object?)[] variables)
    {
        var result = _ps.Run(script, variables);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));
        return result.Output;
    }

    [Fact]
    public void ADockerConnectorIsVerifiedListsRepositoriesAndLogsDockerIn()
    {
        Ok("New-ServiceConnector registry docker password -Configuration @{ username = $user; password = (S $password) } -ResourceType docker-registry -ResourceId $registryHost",
            ("user", DockerRegistry.User), ("password", DockerRegistry.Password), ("registryHost", _registry.Host));
        var connector = Ok("Get-ServiceConnector registry").Single();
        Assert.Equal(("docker", "password", "SingleInstance"), (Prop(connector, "Type"), Prop(connector, "AuthMethod"), Prop(connector, "Kind")!.ToString()));
        Assert.Equal("{{ connector-registry.password }}", ((IDictionary)Prop(connector, "Configuration")!)["password"]);

        var result = Ok("Get-ServiceConnector | Test-ServiceConnector").Single();
        Assert.True((bool)Prop(result, "Success")!);
        Assert.Contains("ml/trainer", (IEnumerable<string>)Prop(result, "Contents")!);
        Assert.Equal(true, Ok("Test-ServiceConnector registry -Quiet").Single().BaseObject);

        var credential = Ok("Get-ServiceConnectorCredential registry").Single();
        Assert.Equal(DockerRegistry.Password, Plain(((Hashtable)Prop(credential, "Secrets")!)["password"]));
        Assert.Equal(DockerRegistry.Password, ((Hashtable)Prop(Ok("Get-ServiceConnectorCredential registry -AsPlainText").Single(), "Secrets")!)["password"]);

        var login = Ok("Connect-ServiceConnector registry -Path ./docker/config.json").Single();
        Assert.Equal(("docker", _registry.Host), (Prop(login, "Client"), Prop(login, "Entry")));
        Assert.Contains(_registry.Host, File.ReadAllText(Path.Combine(_ps.WorkingDirectory, "docker", "config.json")));
    }

    [Fact]
    public void AWrongPasswordFailsVerificationWithTheRegistrysReasonAndWritesNothing()
    {
        var before = _ps.Snapshot();
        var error = _ps.Fails($"New-ServiceConnector registry docker password -Configuration @{{ username = 'stackops'; password = (S 'wrong-password-1') }} -ResourceType docker-registry -ResourceId {_registry.Host}",
            $"ConnectorVerificationFailed,{Commands}.NewServiceConnectorCommand");
        Assert.Contains("UNAUTHORIZED: authentication required", error.ErrorDetails.Message);
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void AnUnreachableEndpointFailsWithinTheTimeLimit()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var error = _ps.Fails($"New-ServiceConnector nowhere docker password -Configuration @{{ username = 'u'; password = (S 'pw-123') }} -ResourceType docker-registry -ResourceId 127.0.0.1:{DockerRegistry.FreePort()} -TimeoutSec 2",
            $"ConnectorVerificationFailed,{Commands}.NewServiceConnectorCommand");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("cannot reach", error.ErrorDetails.Message);
    }

    [Fact]
    public void TheCatalogDescribesTypesAuthMethodsAndResourceTypes()
    {
        Assert.Equal(["docker", "kubernetes", "github", "aws", "azure", "gcp"], Ok("Get-ServiceConnectorType").Select(t => (string)Prop(t, "Name")!));
        Assert.Equal(["aws", "azure", "gcp"], Ok("Get-ServiceConnectorType -ResourceType kubernetes-cluster | Where-Object Name -ne 'kubernetes'").Select(t => (string)Prop(t, "Name")!));
        Assert.Equal(["secret-key", "sts-token", "iam-role", "session-token", "web-identity", "implicit"], Ok("(Get-ServiceConnectorType aws).AuthMethods.Name").Select(o => (string)o.BaseObject));
    }

    [Theory]
    [InlineData("New-ServiceConnector c nomad token", "UnknownConnectorType")]
    [InlineData("New-ServiceConnector c docker oauth", "UnknownAuthMethod")]
    [InlineData("New-ServiceConnector c aws secret-key -Configuration @{ region = 'eu-west-1'; aws_access_key_id = (S 'AKIA-1'); aws_secret_access_key = (S 'sk-12') } -ResourceType aws-generic -ResourceId eu-west-1", "ResourceIdNotApplicable")]
    [InlineData("New-ServiceConnector c docker password -Configuration @{ username = 'u'; password = (S 'pw-123'); colour = 'blue' }", "UnknownConfigurationKey")]
    [InlineData("New-ServiceConnector c docker password -Configuration @{ username = 'u'; password = 'clear-text' }", "PlainTextSecretValue")]
    [InlineData("New-ServiceConnector c aws implicit -Configuration @{ region = 'eu-west-1' }", "ImplicitAuthDisabled")]
    public void BadInputIsAClearErrorAndChangesNothing(string script, string errorId)
    {
        var before = _ps.Snapshot();
        _ps.Fails($"{script} -SkipVerification", $"{errorId},{Commands}.NewServiceConnectorCommand");
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void AKeylessConnectorIsRegisteredWithoutAKeyAndWorksInTheJobItNames()
    {
        using var issuer = new FakeOidcIssuer();
        using var aws = new FakeAws(issuer);
        var create = $"New-ServiceConnector aws-production aws web-identity -ResourceType s3-bucket -Configuration @{{ region = 'eu-west-1'; endpoint_url = '{aws.Server.BaseAddress}'; role_arn = '{FakeAws.RoleArn}'; subject = 'repo:{FakeOidcIssuer.Repository}:environment:production' }}";
        var outside = _ps.Fails(create, $"FederatedTokenUnavailable,{Commands}.NewServiceConnectorCommand");
        Assert.Contains("-SkipVerification", outside.ErrorDetails.Message);
        Assert.Equal("aws-production", Prop(Ok($"{create} -SkipVerification").Single(), "Name"));

        string?[] saved = [Environment.GetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_URL"), Environment.GetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN")];
        Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_URL", issuer.RequestUrl);
        Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", FakeOidcIssuer.RequestToken);
        try
        {
            Assert.True((bool)Prop(Ok("Test-ServiceConnector aws-production").Single(), "Success")!);
            var credential = Ok("Get-ServiceConnectorCredential aws-production -ResourceId s3://ml-production").Single();
            Assert.StartsWith("ASIAFAKETEMPORARY", Plain(((System.Collections.IDictionary)Prop(credential, "Secrets")!)["aws_access_key_id"]));
            issuer.Environment = "staging";
            var refused = _ps.Fails("Test-ServiceConnector aws-production", $"FederatedSubjectMismatch,{Commands}.TestServiceConnectorCommand");
            Assert.Contains("environment:staging", refused.ErrorDetails.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_URL", saved[0]);
            Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", saved[1]);
        }
    }

    [Fact]
    public void AMissingCredentialIsPromptedForOnlyWhenInteractive()
    {
        Environment.SetEnvironmentVariable("CI", "true");
        try
        {
            _ps.Fails("New-ServiceConnector c docker password -Configuration @{ username = 'u' } -SkipVerification", $"SecretValueMissing,{Commands}.NewServiceConnectorCommand");
        }
        finally { Environment.SetEnvironmentVariable("CI", null); }
        var host = new TestHost();
        using var interactive = new PowerShellSession(host: host);
        host.Answers.Enqueue(DockerRegistry.Password);
        var created = interactive.Ok($"New-ServiceConnector registry docker password -Configuration @{{ username = '{DockerRegistry.User}' }} -ResourceType docker-registry -ResourceId {_registry.Host}").Single();
        Assert.Equal("registry", Prop(created, "Name"));
        Assert.Contains(host.Written, w => w.Contains("key 'password' of secret 'connector-registry'"));
    }

    [Fact]
    public void ComponentsLinkToFittingConnectorsAndAConnectorInUseStays()
    {
        Ok("""
            New-ServiceConnector registry docker password -Configuration @{ username = 'u'; password = (S 'pw-123') } -ResourceType docker-registry -ResourceId 127.0.0.1:1 -SkipVerification
            New-ServiceConnector aws aws secret-key -Configuration @{ region = 'eu-west-1'; aws_access_key_id = (S 'AKIA-1'); aws_secret_access_key = (S 'sk-12') } -SkipVerification
            New-StackComponent container_registry reg default -Configuration @{ uri = '127.0.0.1:1/ml' }
            New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml-data/artifacts' }
            """);
        var linked = Ok("Connect-StackComponent container_registry reg registry").Single();
        Assert.Equal("registry", Prop(PSObject.AsPSObject(Prop(linked, "Connector")!), "Name"));
        var mismatch = _ps.Fails("Connect-StackComponent artifact_store s3 registry", $"ConnectorMismatch,{Commands}.ConnectStackComponentCommand");
        Assert.Contains("Connectors that fit: aws", mismatch.ErrorDetails.Message);
        Assert.Equal("s3://ml-data", Prop(PSObject.AsPSObject(Prop(Ok("Connect-StackComponent artifact_store s3 aws").Single(), "Connector")!), "ResourceId"));

        _ps.Fails("Remove-ServiceConnector registry -Confirm:$false", $"ConnectorInUse,{Commands}.RemoveServiceConnectorCommand");
        _ps.Fails("Set-ServiceConnector registry -ResourceId other.example.com -SkipVerification", $"ConnectorInUse,{Commands}.SetServiceConnectorCommand");
        Ok("Disconnect-StackComponent container_registry reg; Remove-ServiceConnector registry -Confirm:$false");
        Assert.Empty(Ok("Get-ServiceConnector registry*"));
        Assert.Empty(Ok("Get-StackSecret connector-registry*"));
    }

    [Fact]
    public void AnExpiredConnectorSaysHowToRenew()
    {
        Ok("New-ServiceConnector k8s kubernetes token -Configuration @{ server = 'https://127.0.0.1:6443'; token = (S 'k8s-token-1') } -ExpiresAt ([DateTimeOffset]::UtcNow.AddMinutes(2)) -SkipVerification");
        var error = _ps.Fails("Test-ServiceConnector k8s", $"ConnectorExpired,{Commands}.TestServiceConnectorCommand");
        Assert.Contains("Set-ServiceConnector k8s", error.ErrorDetails.Message);
    }

    [Fact]
    public void GitHubTokenAndAppThroughTheCmdlets()
    {
        using var github = new FakeGitHub();
        Ok("New-ServiceConnector gh github token -Configuration @{ api_url = $api; token = (S $token) }", ("api", github.ApiUrl), ("token", FakeGitHub.Token));
        Assert.Equal(["octo-org/training", "octo-user/pipelines"],
            (IEnumerable<string>)Prop(Ok("Get-ServiceConnectorResource gh -ResourceType github-repository").Single(), "ResourceIds")!);
        Ok("New-ServiceConnector app github github-app -Configuration @{ api_url = $api; app_id = $appId; private_key = (S $key) } -ResourceType github-repository",
            ("api", github.ApiUrl), ("appId", FakeGitHub.AppId), ("key", github.AppPrivateKeyPem));
        var credential = Ok("Get-ServiceConnectorCredential app -ResourceId octo-org/training -AsPlainText").Single();
        Assert.StartsWith("ghs_installationtoken", (string)((Hashtable)Prop(credential, "Secrets")!)["token"]!);
        Assert.NotNull(Prop(credential, "ExpiresAt"));
    }

    [Fact]
    public void KubernetesThroughTheCmdletsAndKubectlLogin()
    {
        var certificates = new TestCertificates();
        using var cluster = new FakeKubernetes(certificates);
        Ok("New-ServiceConnector k8s kubernetes client-certificate -Configuration @{ server = $server; certificate_authority = $ca; client_certificate = $cert; client_key = (S $key) } -ResourceType kubernetes-cluster -ResourceId staging",
            ("server", cluster.Server.BaseAddress.ToString()), ("ca", certificates.AuthorityPem), ("cert", certificates.ClientCertificatePem), ("key", certificates.ClientKeyPem));
        Assert.Contains("Kubernetes v1.31.2", (IEnumerable<string>)Prop(Ok("Test-ServiceConnector k8s").Single(), "Contents")!);
        var login = Ok("Connect-ServiceConnector k8s -Path ./kubeconfig").Single();
        Assert.Equal(("kubectl", "staging"), (Prop(login, "Client"), Prop(login, "Entry")));
        Assert.Contains("current-context: staging", File.ReadAllText(Path.Combine(_ps.WorkingDirectory, "kubeconfig")));
    }

    [Fact]
    public void AwsRoleCredentialsThroughTheCmdlets()
    {
        using var aws = new FakeAws();
        Ok("New-ServiceConnector aws aws iam-role -Configuration @{ region = 'eu-west-1'; endpoint_url = $endpoint; role_arn = $role; aws_access_key_id = (S $id); aws_secret_access_key = (S $secret) } -ResourceType s3-bucket -ExpirationSeconds 900",
            ("endpoint", aws.Server.BaseAddress.ToString()), ("role", FakeAws.RoleArn), ("id", FakeAws.AccessKeyId), ("secret", FakeAws.SecretAccessKey));
        Assert.Equal(["s3://ml-production", "s3://ml-staging"], (IEnumerable<string>)Prop(Ok("Get-ServiceConnectorResource aws").Single(), "ResourceIds")!);
        var credential = Ok("Get-ServiceConnectorCredential aws -ResourceId s3://ml-staging").Single();
        Assert.StartsWith("ASIAFAKETEMPORARY", Plain(((Hashtable)Prop(credential, "Secrets")!)["aws_access_key_id"]));
        Assert.Contains(900, aws.Durations);
    }

    [Fact]
    public void AzureAndGcpTokensThroughTheCmdlets()
    {
        var certificates = new TestCertificates();
        using var azure = new FakeAzure(certificates);
        Ok("New-ServiceConnector azure azure service-principal -Configuration @{ tenant_id = $tenant; client_id = $client; client_secret = (S $secret); authority_host = $authority; certificate_authority = $ca } -ResourceType azure-generic",
            ("tenant", FakeAzure.Tenant), ("client", FakeAzure.ClientId), ("secret", FakeAzure.ClientSecret), ("authority", azure.Entra.BaseAddress.ToString()), ("ca", certificates.AuthorityPem));
        Assert.StartsWith("eyFakeEntraAccessToken", (string)((Hashtable)Prop(Ok("Get-ServiceConnectorCredential azure -AsPlainText").Single(), "Secrets")!)["token"]!);

        using var google = new FakeGoogle();
        Ok("New-ServiceConnector gcp gcp service-account -Configuration @{ service_account_json = (S $json) } -ResourceType gcp-generic", ("json", google.ServiceAccountJson));
        Assert.Equal([FakeGoogle.Project], (IEnumerable<string>)Prop(Ok("Test-ServiceConnector gcp").Single(), "ResourceIds")!);
        Assert.StartsWith("ya29.fake-access-token", Plain(((Hashtable)Prop(Ok("Get-ServiceConnectorCredential gcp").Single(), "Secrets")!)["token"]));
    }

    [Fact]
    public void ConnectorNamesComplete()
    {
        Ok("New-ServiceConnector registry docker password -Configuration @{ username = 'u'; password = (S 'pw-123') } -SkipVerification");
        Assert.Equal(["registry"], Ok("[StackOps.PowerShell.Completion.ServiceConnectorNameCompleter]::new().CompleteArgument('', 'Name', 're', $null, @{}) | ForEach-Object CompletionText").Select(o => (string)o.BaseObject));
        Assert.Equal(["iam-role", "implicit"], Ok("[StackOps.PowerShell.Completion.AuthMethodCompleter]::new().CompleteArgument('', 'AuthMethod', 'i', $null, @{ Type = 'aws' }) | ForEach-Object CompletionText").Select(o => (string)o.BaseObject));
    }
}
