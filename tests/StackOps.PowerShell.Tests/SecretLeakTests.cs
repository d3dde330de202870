using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// Runs every cmdlet that touches secrets or connector credentials with -Verbose -Debug, on success and error paths, and
/// checks that no seeded secret value (a multi-line PEM block among them) appears in any stream,
/// in any error (message, details, exception text, target) or in any file under the test's folders.
/// </summary>
public sealed class SecretLeakTests : IDisposable
{
    private const string AccessKey = "AKIALEAKCANARY000001";
    private const string SecretKey = "leak-canary-secret/0002+xyz";
    private const string SessionToken = "leak-canary-token-0003";
    private const string EnvironmentValue = "leak-canary-env-0004";
    private const string VaultValue = "leak-canary-vault-0005";
    private const string Password = "leak-canary-password-0006";
    private const string Pem = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiGLEAKCANARYPEMLINE1xyzAASCBKcwggSjAgEAAoIB
        AQC7VJTUt9Us8cKjMzEfYyjiWA4RLEAKCANARYPEMLINE2xyz4XjTZ7nb3m8
        -----END PRIVATE KEY-----
        """;

    private static readonly string[] Values = [AccessKey, SecretKey, SessionToken, EnvironmentValue, VaultValue, Password, Pem,
        .. Pem.Split('\n').Where(l => l.Contains("LEAKCANARY")), FakeGitHub.Token, FakeAws.SecretAccessKey, "ghs_installationtoken", "temporary/secret/"];

    private readonly FakeGitHub _github = new();
    private readonly FakeAws _aws = new();
    /// <summary>Where Connect-ServiceConnector writes Docker's config.json: a login's purpose is to hold a credential, so it is outside the scanned folders.</summary>
    private readonly string _clientFolder = Directory.CreateTempSubdirectory("stackops-leak-client-").FullName;

    private readonly string? _savedModulePath = Environment.GetEnvironmentVariable("PSModulePath");
    private readonly PowerShellSession _ps = new();

    public SecretLeakTests()
    {
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_BACKEND", null);
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_ENVTEAM__TOKEN", EnvironmentValue);
        var modules = Path.Combine(PowerShellSession.RepositoryRoot, "tests", "StackOps.PowerShell.Tests", "TestModules");
        Environment.SetEnvironmentVariable("PSModulePath", modules + Path.PathSeparator + _savedModulePath);
        _ps.Ok(SecretCmdletTests.SecureHelper);
        _ps.Ok($$"""
            # -Debug alone makes a compiled cmdlet inquire on each warning; -WarningAction Continue keeps the warnings flowing.
            $PSDefaultParameterValues = @{
                '*-Stack*:Verbose' = $true; '*-Stack*:Debug' = $true; '*-Stack*:WarningAction' = 'Continue'
                '*-ServiceConnector*:Verbose' = $true; '*-ServiceConnector*:Debug' = $true; '*-ServiceConnector*:WarningAction' = 'Continue'
            }
            $DebugPreference = 'Continue'
            Microsoft.PowerShell.SecretManagement\Register-SecretVault TeamVault
            Microsoft.PowerShell.SecretManagement\Set-Secret vaulted -Vault TeamVault -Secret @{ token = (S '{{VaultValue}}') }
            Microsoft.PowerShell.SecretManagement\Set-Secret broken -Vault TeamVault -Secret 'fail:{{AccessKey}}'
            """);
    }

    public void Dispose()
    {
        _ps.Dispose();
        _github.Dispose();
        _aws.Dispose();
        Directory.Delete(_clientFolder, recursive: true);
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_ENVTEAM__TOKEN", null);
        Environment.SetEnvironmentVariable("PSModulePath", _savedModulePath);
    }

    /// <summary>Each step: a script, and whether it must fail (error paths leak as easily as success paths).</summary>
    private static readonly (string Script, bool Fails)[] Steps =
    [
        ($"New-StackSecret aws -Value @{{ access_key_id = (S '{AccessKey}'); secret_access_key = (S '{SecretKey}') }} -Label @{{ team = 'ml' }}", false),
        ("New-StackSecret tls -Value @{ private_key = (S $pem) }", false),
        ($"New-StackSecret db -Credential ([pscredential]::new('admin', (S '{Password}')))", false),
        ($"New-StackSecret aws -Value @{{ access_key_id = (S '{AccessKey}') }}", true),
        ($"New-StackSecret plain -Value @{{ k = '{SessionToken}' }}", true),
        ("Get-StackSecret", false),
        ("Get-StackSecret aws, tls, db", false),
        ("Get-StackSecret missing", true),
        ($"Set-StackSecret aws -Value @{{ session_token = (S '{SessionToken}') }} -PassThru", false),
        ("Set-StackSecret aws -RemoveKey nope", true),
        ("Rename-StackSecret tls tls2 -PassThru; Rename-StackSecret tls2 tls -PassThru", false),
        ("""
         New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml'; key = '{{ aws.access_key_id }}'; secret = '{{ aws.secret_access_key }}'; token = '{{ aws.session_token }}' }
         New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_username = '{{ db.username }}'; tracking_password = '{{ db.password }}'; tracking_token = '{{ missing.token }}' }
         New-StackComponent alerter slack slack -Configuration @{ slack_token = '{{ tls.private_key }}'; slack_channel_id = 'C123' }
         New-Stack prod -Orchestrator default -ArtifactStore s3 -ExperimentTracker mlflow -Alerter slack
         """, false),
        ("Get-StackComponent; Get-StackComponent s3 | Set-StackComponent -Label @{ checked = 'yes' } -PassThru", false),
        ("Test-Stack prod; Test-Stack prod -SecretValidation SecretExists; Test-Stack prod -Strict", false),
        ("Resolve-StackConfiguration prod", true),
        ("Register-StackSecret prod -Value @{ 'missing.token' = (S 'leak-canary-registered-0007') } -PassThru", false),
        ("Resolve-StackConfiguration prod; Get-Stack prod | Resolve-StackConfiguration", false),
        ("Test-Stack prod", false),
        ("Export-Stack prod; Export-Stack prod -Format ZenML; Export-Stack prod -Path ./prod.yaml -PassThru", false),
        ("Import-Stack ./prod.yaml -Name prod-copy -PassThru", false),
        ("Remove-StackSecret aws -Confirm:$false", true),
        ("Get-StackSecretBackend; Register-StackSecretBackend team secretmanagement -Vault TeamVault -PassThru; Register-StackSecretBackend ci env -PassThru", false),
        ("Get-StackSecret vaulted -Backend team", false),
        ("Get-StackSecret -Backend team", true),
        ("Get-StackSecret -Backend ci; Get-StackSecret envteam -Backend ci", false),
        ("Test-Stack prod -Backend ci", false),
        ("Resolve-StackConfiguration prod -Backend team", true),
        ("Unregister-StackSecretBackend team, ci -PassThru", false),
        ("Remove-StackSecret db, tls -Force -Confirm:$false -PassThru", false),
        ("New-ServiceConnector gh github token -Configuration @{ api_url = $githubApi; token = (S $githubToken) }", false),
        ("New-ServiceConnector bad github token -Configuration @{ api_url = $githubApi; token = (S 'ghs_installationtoken-wrong') }", true),
        ("New-ServiceConnector app github github-app -Configuration @{ api_url = $githubApi; app_id = $appId; private_key = (S $appKey) } -ResourceType github-repository", false),
        ("New-ServiceConnector aws aws iam-role -Configuration @{ region = 'eu-west-1'; endpoint_url = $awsEndpoint; role_arn = $roleArn; aws_access_key_id = (S $awsId); aws_secret_access_key = (S $awsSecret) }", false),
        ("New-ServiceConnector aws-wrong aws secret-key -Configuration @{ region = 'eu-west-1'; endpoint_url = $awsEndpoint; aws_access_key_id = (S $awsId); aws_secret_access_key = (S 'temporary/secret/wrong') }", true),
        ("Get-ServiceConnector; Get-ServiceConnector | Test-ServiceConnector; Get-ServiceConnectorResource", false),
        ("Get-ServiceConnectorCredential gh github-repository; Get-ServiceConnectorCredential app -ResourceId octo-org/training; Get-ServiceConnectorCredential aws s3-bucket s3://ml-staging", false),
        ("Connect-ServiceConnector gh container-registry -Path \"$clientFolder/config.json\"", false),
        ("Set-ServiceConnector gh -Configuration @{ token = (S $githubToken) } -PassThru; Remove-ServiceConnector gh, app, aws -Confirm:$false -PassThru", false),
    ];

    [Fact]
    public void NoSecretValueAppearsInAnyStreamErrorOrFile()
    {
        _ps.Run("$pem = @'\n" + Pem + "\n'@");
        _ps.Run("$null", ("githubApi", _github.ApiUrl), ("githubToken", FakeGitHub.Token), ("appId", FakeGitHub.AppId), ("appKey", _github.AppPrivateKeyPem),
            ("awsEndpoint", _aws.Server.BaseAddress.ToString()), ("roleArn", FakeAws.RoleArn), ("awsId", FakeAws.AccessKeyId), ("awsSecret", FakeAws.SecretAccessKey),
            ("clientFolder", _clientFolder));
        var allText = new List<string>();
        foreach (var (script, fails) in Steps)
        {
            var result = _ps.Run(script);
            Assert.True(fails == result.Errors.Count > 0, $"{script}\n{(fails ? "should have failed" : string.Join("\n", result.Errors))}");
            foreach (var value in Values)
                Assert.DoesNotContain(result.AllText, text => text.Contains(value, StringComparison.Ordinal));
            allText.AddRange(result.AllText);
        }

        foreach (var file in Directory.EnumerateFiles(_ps.Root, "*", SearchOption.AllDirectories))
        {
            var content = File.ReadAllText(file);
            Assert.DoesNotContain(Values, value => content.Contains(value, StringComparison.Ordinal));
        }

        // The test looked where leaks would be: the streams carried the messages that name these secrets.
        Assert.Contains(allText, t => t.StartsWith("Created secret 'aws'", StringComparison.Ordinal));
        Assert.Contains(allText, t => t.StartsWith("Resolved {{ aws.access_key_id }}", StringComparison.Ordinal));
        Assert.Contains(allText, t => t.Contains("SecretReferenceUnresolved", StringComparison.Ordinal));
        Assert.Contains(allText, t => t.Contains("The vault failed while reading ***", StringComparison.Ordinal));
        Assert.Contains(allText, t => t == "<SecureString>");
        Assert.Contains(allText, t => t.Contains("Bad credentials", StringComparison.Ordinal));
        Assert.Contains(allText, t => t.Contains("SignatureDoesNotMatch", StringComparison.Ordinal));
        Assert.Contains(allText, t => t.StartsWith("Issued credentials valid until", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_clientFolder, "config.json")));
        Assert.True(File.Exists(Path.Combine(_ps.WorkingDirectory, "prod.yaml")));
    }
}
