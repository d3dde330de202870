using System.Collections;
using System.Management.Automation;
using System.Security;

namespace StackOps.PowerShell.Tests;

/// <summary>Secrets, references and backends through the cmdlets, in the real PowerShell engine.</summary>
public sealed class SecretCmdletTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    /// <summary>A SecureString from text, as ConvertTo-SecureString -AsPlainText -Force makes one (the hosted engine lacks that cmdlet).</summary>
    public const string SecureHelper = "function S([string] $Text) { [System.Net.NetworkCredential]::new('', $Text).SecurePassword }";
    private static readonly string[] Variables =
    [
        "CI", "STACKOPS_SECRET_BACKEND", "STACKOPS_SECRETS_KEY", "PSModulePath",
        "STACKOPS_SECRET_AWS__ACCESS_KEY_ID", "STACKOPS_SECRET_AWS__SECRET_ACCESS_KEY", "STACKOPS_SECRET_MLFLOW__PASSWORD",
    ];

    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly PowerShellSession _ps;

    public SecretCmdletTests() : this(null) { }

    private SecretCmdletTests(TestHost? host)
    {
        foreach (var variable in Variables.Where(v => v != "PSModulePath")) Environment.SetEnvironmentVariable(variable, null);
        _ps = new PowerShellSession(host: host);
        _ps.Ok(SecureHelper);
    }

    public void Dispose()
    {
        _ps.Dispose();
        foreach (var (variable, value) in _saved) Environment.SetEnvironmentVariable(variable, value);
    }

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    private static string Plain(object? secure) => new System.Net.NetworkCredential("", (SecureString)((secure as PSObject)?.BaseObject ?? secure)!).Password;

    /// <summary>A stack 'prod' whose artifact store references aws.access_key_id and aws.secret_access_key, and whose tracker references mlflow.password.</summary>
    private void AddStackWithReferences() => _ps.Ok("""
        New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml'; key = '{{ aws.access_key_id }}'; secret = '{{ aws.secret_access_key }}' }
        New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com'; tracking_password = '{{ mlflow.password }}' }
        New-Stack prod -Orchestrator default -ArtifactStore s3 -ExperimentTracker mlflow
        """);

    [Fact]
    public void NewGetSetRenameRemove()
    {
        var created = _ps.Ok("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-ps-1'); secret_access_key = (S 'sk-ps-2') } -Label @{ team = 'ml' }").Single();
        Assert.Equal(("aws", typeof(SecureString)), (Prop(created, "Name"), ((Hashtable)Prop(created, "Values")!)["access_key_id"]!.GetType()));
        var secret = _ps.Ok("Get-StackSecret aws").Single();
        Assert.Equal(new[] { "access_key_id", "secret_access_key" }, (string[])Prop(secret, "Keys")!);
        Assert.Equal("local", Prop(secret, "Backend"));
        var values = (Hashtable)Prop(secret, "Values")!;
        Assert.IsType<SecureString>(values["access_key_id"]);
        Assert.Equal("AKIA-ps-1", Plain(values["access_key_id"]));
        Assert.Equal("sk-ps-2", ((Hashtable)Prop(_ps.Ok("Get-StackSecret aws -AsPlainText").Single(), "Values")!)["secret_access_key"]);

        var updated = _ps.Ok("Get-StackSecret aws | Set-StackSecret -Value @{ session_token = (S 'tok-ps-3') } -RemoveKey secret_access_key -PassThru").Single();
        Assert.Equal(new[] { "access_key_id", "session_token" }, (string[])Prop(updated, "Keys")!);
        Assert.Equal("aws-prod", Prop(_ps.Ok("Rename-StackSecret aws aws-prod -PassThru").Single(), "Name"));
        Assert.Equal(["aws-prod"], _ps.Ok("Get-StackSecret aws*").Select(o => (string)Prop(o, "Name")!));

        Assert.Equal(["aws-prod"], _ps.Ok("'aws-prod' | Remove-StackSecret -Confirm:$false -PassThru").Select(o => (string)o.BaseObject));
        Assert.Empty(_ps.Ok("Get-StackSecret"));
        Assert.Empty(_ps.Ok("Get-StackSecret nothing*"));
        var error = _ps.Fails("Get-StackSecret aws-prod", $"SecretNotFound,{Commands}.GetStackSecretCommand");
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        _ps.Fails("Set-StackSecret nope -Value @{ k = (S 'v-value') }", $"SecretNotFound,{Commands}.SetStackSecretCommand");
        _ps.Fails("Set-StackSecret nope", $"NothingToChange,{Commands}.SetStackSecretCommand");
    }

    [Fact]
    public void ValuesComeAsCredentialOrOneSecureValue()
    {
        _ps.Ok("New-StackSecret db -Credential ([pscredential]::new('admin', (S 'db-pass-4')))");
        _ps.Ok("New-StackSecret api -Key token -SecureValue (S 'api-token-5')");
        var db = (Hashtable)Prop(_ps.Ok("Get-StackSecret db -AsPlainText").Single(), "Values")!;
        Assert.Equal(("admin", "db-pass-4"), (db["username"], db["password"]));
        Assert.Equal("api-token-5", ((Hashtable)Prop(_ps.Ok("Get-StackSecret api -AsPlainText").Single(), "Values")!)["token"]);
        _ps.Fails("New-StackSecret two -Key a, b -SecureValue (S 'value-x')", $"SecretValueAmbiguous,{Commands}.NewStackSecretCommand");
        _ps.Fails("New-StackSecret db -Credential ([pscredential]::new('admin', (S '0ther-pw')))", $"SecretAlreadyExists,{Commands}.NewStackSecretCommand");
        _ps.Ok("New-StackSecret db -Credential ([pscredential]::new('root', (S '0ther-pw')))  -Force");
        Assert.Equal("root", ((Hashtable)Prop(_ps.Ok("Get-StackSecret db -AsPlainText").Single(), "Values")!)["username"]);
    }

    [Fact]
    public void AKeyThatIsNotSecretTakesPlainText()
    {
        _ps.Ok("New-StackSecret registry -Value @{ username = 'ml-bot'; password = (S 'registry-pass-31') }");
        _ps.Ok("New-StackSecret mlflow -Value @{ tracking_username = 'mlflow-user-7'; tracking_password = (S 'mlflow-pass-32') } -PlainTextKey tracking_username");
        Assert.Equal("ml-bot", ((Hashtable)Prop(_ps.Ok("Get-StackSecret registry -AsPlainText").Single(), "Values")!)["username"]);
        Assert.Equal("mlflow-user-7", ((Hashtable)Prop(_ps.Ok("Get-StackSecret mlflow -AsPlainText").Single(), "Values")!)["tracking_username"]);
        var refused = _ps.Fails("Set-StackSecret mlflow -Value @{ tracking_password = 'clear-text' } -PlainTextKey tracking_username", $"PlainTextSecretValue,{Commands}.SetStackSecretCommand");
        Assert.EndsWith("if it is not secret, say so with -PlainTextKey tracking_password.", refused.ErrorDetails.Message);
        Assert.DoesNotContain("clear-text", refused.ErrorDetails.Message);
    }

    [Theory]
    [InlineData("New-StackSecret x -Value @{ k = 'clear-text' }", "PlainTextSecretValue")]
    [InlineData("New-StackSecret '../x' -Value @{ k = (S 'v4lue-x') }", "InvalidName")]
    [InlineData("New-StackSecret 'a/b' -Value @{ k = (S 'v4lue-x') }", "InvalidName")]
    [InlineData("New-StackSecret \"a`nb\" -Value @{ k = (S 'v4lue-x') }", "InvalidName")]
    [InlineData("New-StackSecret name -Value @{ k = (S 'v4lue-x') }", "InvalidName")]
    [InlineData("New-StackSecret x -Value @{ 'bad-key' = (S 'v4lue-x') }", "InvalidSecretKey")]
    [InlineData("New-StackSecret x -Value @{ name = (S 'v4lue-x') }", "InvalidSecretKey")]
    [InlineData("New-StackSecret x -Backend env -Value @{ k = (S 'v4lue-x') }", "SecretBackendReadOnly")]
    [InlineData("New-StackSecret x -Backend nowhere -Value @{ k = (S 'v4lue-x') }", "SecretBackendNotFound")]
    public void BadInputIsAClearErrorAndWritesNothing(string script, string errorId)
    {
        var before = _ps.Snapshot();
        var error = _ps.Fails(script, $"{errorId},{Commands}.NewStackSecretCommand");
        Assert.DoesNotContain('\n', error.ErrorDetails.Message);
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void ANonInteractiveSessionNeverPrompts()
    {
        Environment.SetEnvironmentVariable("CI", "true");
        var before = _ps.Snapshot();
        var error = _ps.Fails("New-StackSecret x -Key token", $"SecretValueMissing,{Commands}.NewStackSecretCommand");
        Assert.Contains("-Value @{ token = $secure }", error.ErrorDetails.Message);
        AddStackWithReferences();
        before = _ps.Snapshot();
        _ps.Fails("Register-StackSecret prod", $"SecretValueMissing,{Commands}.RegisterStackSecretCommand");
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void AHostThatCannotPromptIsTreatedAsNonInteractive()
    {
        _ps.Fails("New-StackSecret x -Key token", $"SecretValueMissing,{Commands}.NewStackSecretCommand");
        Assert.False(Directory.Exists(Path.Combine(_ps.Home, "secrets")) && Directory.EnumerateFiles(Path.Combine(_ps.Home, "secrets")).Any());
    }

    [Fact]
    public void AnInteractiveSessionPromptsWithoutEcho()
    {
        var host = new TestHost();
        using var test = new SecretCmdletTests(host);
        host.Answers.Enqueue("typed-at-prompt-6");
        test._ps.Ok("New-StackSecret api -Key token");
        Assert.Equal("typed-at-prompt-6", ((Hashtable)Prop(test._ps.Ok("Get-StackSecret api -AsPlainText").Single(), "Values")!)["token"]);
        Assert.Contains(host.Written, w => w.Contains("key 'token' of secret 'api'"));

        test.AddStackWithReferences();
        host.Answers.Enqueue("typed-aws-id-7");
        host.Answers.Enqueue("typed-aws-secret-8");
        host.Answers.Enqueue("typed-mlflow-9");
        var written = test._ps.Ok("Register-StackSecret prod -PassThru");
        Assert.Equal(["aws", "mlflow"], written.Select(o => (string)Prop(o, "Name")!).Order());
        Assert.Empty(host.Answers);
        Assert.DoesNotContain(host.Written, w => w.Contains("typed-"));
        var resolved = test._ps.Ok("Resolve-StackConfiguration prod -AsPlainText | Where-Object Name -eq 's3'").Single();
        Assert.Equal("typed-aws-secret-8", ((Hashtable)Prop(resolved, "Configuration")!)["secret"]);
    }

    [Fact]
    public void TestStackReportsUnresolvedReferencesWithFileAndLine()
    {
        AddStackWithReferences();
        _ps.Ok("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-ps-10') }");
        var result = _ps.Ok("Test-Stack prod").Single();
        Assert.False((bool)Prop(result, "IsValid")!);
        var findings = ((IEnumerable)Prop(result, "Findings")!).Cast<object>().Select(PSObject.AsPSObject).ToList();
        Assert.Equal(["SecretKeyNotFound", "SecretNotFound"], findings.Select(f => (string)Prop(f, "Code")!).Order());
        var missingKey = findings.Single(f => (string)Prop(f, "Code")! == "SecretKeyNotFound");
        Assert.Equal(("s3", "secret"), (Prop(missingKey, "Component"), Prop(missingKey, "Field")));
        Assert.EndsWith(Path.Combine("components", "artifact_store", "s3.yaml"), (string)Prop(missingKey, "File")!);
        Assert.NotNull(Prop(missingKey, "Line"));
        Assert.Equal(["SecretNotFound"], _ps.Ok("(Test-Stack prod -SecretValidation SecretExists).Findings.Code").Select(o => (string)o.BaseObject));
        Assert.Equal(true, _ps.Ok("Test-Stack prod -SecretValidation None -Quiet").Single().BaseObject);
    }

    [Fact]
    public void ResolveGivesSecureStringsAndKeepsTheDocuments()
    {
        AddStackWithReferences();
        _ps.Ok("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-ps-11'); secret_access_key = (S 'sk-ps-12') }; New-StackSecret mlflow -Key password -SecureValue (S 'mlflow-ps-13')");
        var before = _ps.Snapshot();
        var components = _ps.Ok("Resolve-StackConfiguration prod");
        Assert.Equal(["orchestrator", "artifact_store", "experiment_tracker"], components.Select(c => (string)Prop(c, "Type")!));
        var s3 = (Hashtable)Prop(components.Single(c => (string)Prop(c, "Name")! == "s3"), "Configuration")!;
        Assert.IsType<SecureString>(s3["key"]);
        Assert.Equal("AKIA-ps-11", Plain(s3["key"]));
        Assert.Equal("s3://ml", s3["path"]);
        var plain = _ps.Ok("Get-Stack prod | Resolve-StackConfiguration -AsPlainText").Single(c => (string)Prop(c, "Name")! == "mlflow");
        Assert.Equal("mlflow-ps-13", ((Hashtable)Prop(plain, "Configuration")!)["tracking_password"]);
        Assert.Equal(new[] { "tracking_password" }, (string[])Prop(plain, "SecretFields")!);
        Assert.Equal(before, _ps.Snapshot());

        _ps.Ok("Set-StackSecret aws -RemoveKey secret_access_key");
        var error = _ps.Fails("Resolve-StackConfiguration prod", $"SecretReferenceUnresolved,{Commands}.ResolveStackConfigurationCommand");
        Assert.Equal("prod", Prop(PSObject.AsPSObject(error.TargetObject), "Name"));
        Assert.Contains("{{ aws.secret_access_key }}", error.ErrorDetails.Message);
    }

    [Fact]
    public void RegisterStackSecretTakesValuesAndSkipsExisting()
    {
        AddStackWithReferences();
        _ps.Ok("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-ps-14') }");
        _ps.Fails("Register-StackSecret prod -Value @{ 'aws.secret_access_key' = 'clear'; 'mlflow.password' = (S 'v4lue-x') }", $"PlainTextSecretValue,{Commands}.RegisterStackSecretCommand");
        var skipped = _ps.Ok("Register-StackSecret prod -SkipExisting -Value @{ 'mlflow.password' = (S 'mlflow-ps-15') } -PassThru");
        Assert.Equal(["mlflow"], skipped.Select(o => (string)Prop(o, "Name")!));
        _ps.Ok("Register-StackSecret prod -Value @{ 'aws.secret_access_key' = (S 'sk-ps-16') }");
        Assert.Equal(true, _ps.Ok("Test-Stack prod -Quiet").Single().BaseObject);
        Assert.Equal("AKIA-ps-14", ((Hashtable)Prop(_ps.Ok("Get-StackSecret aws -AsPlainText").Single(), "Values")!)["access_key_id"]);
    }

    [Fact]
    public void TheEnvironmentBackendServesCI()
    {
        AddStackWithReferences();
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_AWS__ACCESS_KEY_ID", "AKIA-env-17");
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_AWS__SECRET_ACCESS_KEY", "sk-env-18");
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_MLFLOW__PASSWORD", "mlflow-env-19");
        Assert.Equal(false, _ps.Ok("Test-Stack prod -Quiet").Single().BaseObject);
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_BACKEND", "env");
        Assert.Equal(true, _ps.Ok("Test-Stack prod -Quiet").Single().BaseObject);
        var s3 = (Hashtable)Prop(_ps.Ok("Resolve-StackConfiguration prod -AsPlainText").Single(c => (string)Prop(c, "Name")! == "s3"), "Configuration")!;
        Assert.Equal(("AKIA-env-17", "sk-env-18"), (s3["key"], s3["secret"]));
        Assert.Equal("env", Prop(_ps.Ok("Get-StackSecretBackend -Default").Single(), "Name"));
        Assert.Equal(["aws", "mlflow"], _ps.Ok("Get-StackSecret").Select(o => (string)Prop(o, "Name")!));
        _ps.Fails("Remove-StackSecret aws -Confirm:$false -Force", $"SecretBackendReadOnly,{Commands}.RemoveStackSecretCommand");
    }

    [Fact]
    public void BackendsAreRegisteredPerStore()
    {
        Assert.Equal(["local", "env"], _ps.Ok("Get-StackSecretBackend").Select(o => (string)Prop(o, "Name")!));
        _ps.Ok("Register-StackSecretBackend ci env -Default -Description 'CI variables'");
        Assert.Equal("ci", Prop(_ps.Ok("Get-StackSecretBackend -Default").Single(), "Name"));
        Assert.Contains("default: true", File.ReadAllText(Path.Combine(_ps.Home, "secret-backends", "ci.yaml")));
        _ps.Fails("Register-StackSecretBackend ci env", $"SecretBackendAlreadyExists,{Commands}.RegisterStackSecretBackendCommand");
        _ps.Fails("Register-StackSecretBackend local env", $"BuiltInSecretBackend,{Commands}.RegisterStackSecretBackendCommand");
        _ps.Fails("Register-StackSecretBackend v secretmanagement", $"SecretVaultMissing,{Commands}.RegisterStackSecretBackendCommand");
        Assert.Single(_ps.Run("Register-StackSecretBackend v keychain").Errors);
        _ps.Ok("Unregister-StackSecretBackend ci");
        Assert.Equal("local", Prop(_ps.Ok("Get-StackSecretBackend -Default").Single(), "Name"));
        _ps.Fails("Unregister-StackSecretBackend env", $"BuiltInSecretBackend,{Commands}.UnregisterStackSecretBackendCommand");
    }

    private void UseTestSecretManagement()
    {
        var modules = Path.Combine(PowerShellSession.RepositoryRoot, "tests", "StackOps.PowerShell.Tests", "TestModules");
        Environment.SetEnvironmentVariable("PSModulePath", modules + Path.PathSeparator + _saved["PSModulePath"]);
    }

    [Fact]
    public void ASecretManagementVaultResolvesReferences()
    {
        UseTestSecretManagement();
        AddStackWithReferences();
        _ps.Ok("""
            Microsoft.PowerShell.SecretManagement\Register-SecretVault TeamVault
            Microsoft.PowerShell.SecretManagement\Set-Secret aws -Vault TeamVault -Secret @{ access_key_id = 'AKIA-sm-20'; secret_access_key = (S 'sk-sm-21') }
            Microsoft.PowerShell.SecretManagement\Set-Secret mlflow -Vault TeamVault -Secret ([pscredential]::new('ci-bot', (S 'mlflow-sm-22')))
            Register-StackSecretBackend team secretmanagement -Vault TeamVault -Default
            """);
        Assert.Equal(["aws", "mlflow"], _ps.Ok("Get-StackSecret").Select(o => (string)Prop(o, "Name")!));
        _ps.Ok("Set-StackComponent experiment_tracker mlflow -Configuration @{ tracking_username = '{{ mlflow.username }}'; tracking_token = '{{ mlflow.token }}' }");
        Assert.Equal(["SecretKeyNotFound"], _ps.Ok("(Test-Stack prod).Findings.Code").Select(o => (string)o.BaseObject));
        _ps.Ok("Set-StackComponent experiment_tracker mlflow -RemoveKey tracking_token");
        Assert.Equal(true, _ps.Ok("Test-Stack prod -Quiet").Single().BaseObject);
        var resolved = _ps.Ok("Resolve-StackConfiguration prod -AsPlainText");
        var s3 = (Hashtable)Prop(resolved.Single(c => (string)Prop(c, "Name")! == "s3"), "Configuration")!;
        Assert.Equal(("AKIA-sm-20", "sk-sm-21"), (s3["key"], s3["secret"]));
        var mlflow = (Hashtable)Prop(resolved.Single(c => (string)Prop(c, "Name")! == "mlflow"), "Configuration")!;
        Assert.Equal(("ci-bot", "mlflow-sm-22"), (mlflow["tracking_username"], mlflow["tracking_password"]));
        _ps.Fails("New-StackSecret x -Value @{ k = (S 'v4lue-x') }", $"SecretBackendReadOnly,{Commands}.NewStackSecretCommand");
        _ps.Ok("Register-StackSecretBackend other secretmanagement -Vault NoSuchVault");
        Assert.Contains("NoSuchVault", _ps.Fails("Get-StackSecret -Backend other", $"SecretManagementError,{Commands}.GetStackSecretCommand").ErrorDetails.Message);
    }

    /// <summary>A value of one or two characters cannot be masked: refused with the secret and the key, never the value, wherever it enters.</summary>
    [Fact]
    public void AValueTooShortToMaskIsRefusedWhereverItEnters()
    {
        UseTestSecretManagement();
        AddStackWithReferences();
        void Refused(string script, string command)
        {
            var before = _ps.Snapshot();
            var error = _ps.Fails(script, $"SecretValueTooShort,{Commands}.{command}");
            Assert.Matches("key '[a-z_]+' of secret '[a-z-]+'", error.ErrorDetails.Message);
            Assert.DoesNotContain("Q7", error.ErrorDetails.Message);
            Assert.Equal(before, _ps.Snapshot());
        }
        Refused("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-short-1'); secret_access_key = (S ' Q7 ') }", "NewStackSecretCommand");
        _ps.Ok("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-short-1') }");
        Refused("Set-StackSecret aws -Value @{ secret_access_key = (S 'Q') }", "SetStackSecretCommand");
        Refused("Register-StackSecret prod -Value @{ 'aws.secret_access_key' = (S 'sk-short-2'); 'mlflow.password' = (S 'Q7') }", "RegisterStackSecretCommand");
        // Refused before verification: the connector never sends it (127.0.0.1:1 would fail verification otherwise).
        Refused("New-ServiceConnector registry docker password -Configuration @{ username = 'ci'; password = (S 'Q7') } -ResourceType docker-registry -ResourceId 127.0.0.1:1",
            "NewServiceConnectorCommand");

        Environment.SetEnvironmentVariable("STACKOPS_SECRET_AWS__ACCESS_KEY_ID", "AKIA-short-3");
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_AWS__SECRET_ACCESS_KEY", "Q7");
        Refused("Get-StackSecret aws -Backend env", "GetStackSecretCommand");
        Refused("Resolve-StackConfiguration prod -Backend env", "ResolveStackConfigurationCommand");
        _ps.Ok("""
            Microsoft.PowerShell.SecretManagement\Register-SecretVault TeamVault
            Microsoft.PowerShell.SecretManagement\Set-Secret mlflow -Vault TeamVault -Secret ([pscredential]::new('ci-bot', (S 'Q7')))
            Register-StackSecretBackend team secretmanagement -Vault TeamVault
            """);
        Refused("Get-StackSecret mlflow -Backend team", "GetStackSecretCommand");
    }

    [Fact]
    public void WithoutSecretManagementTheBackendIsAClearError()
    {
        AddStackWithReferences();
        _ps.Ok("Register-StackSecretBackend team secretmanagement -Vault TeamVault -Default");
        var error = _ps.Fails("Resolve-StackConfiguration prod", $"SecretManagementUnavailable,{Commands}.ResolveStackConfigurationCommand");
        Assert.Contains("Install-PSResource Microsoft.PowerShell.SecretManagement", error.ErrorDetails.Message);
        Assert.Equal(["SecretManagementUnavailable", "SecretManagementUnavailable", "SecretManagementUnavailable"], _ps.Ok("(Test-Stack prod).Findings.Code").Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void AWrongKeyOrATamperedFileIsAClearError()
    {
        _ps.Ok("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-ps-23') }");
        var file = Path.Combine(_ps.Home, "secrets", "aws.secret");
        Environment.SetEnvironmentVariable("STACKOPS_SECRETS_KEY", Convert.ToBase64String(new byte[32]));
        var wrongKey = _ps.Fails("Get-StackSecret aws", $"SecretsKeyMismatch,{Commands}.GetStackSecretCommand");
        Assert.Equal(ErrorCategory.SecurityError, wrongKey.CategoryInfo.Category);
        Environment.SetEnvironmentVariable("STACKOPS_SECRETS_KEY", null);

        var text = File.ReadAllText(file);
        var at = text.IndexOf("\"ciphertext\": \"", StringComparison.Ordinal) + 15;
        File.WriteAllText(file, text[..at] + (text[at] == 'A' ? 'B' : 'A') + text[(at + 1)..]);
        var tampered = _ps.Fails("Get-StackSecret aws", $"SecretTampered,{Commands}.GetStackSecretCommand");
        Assert.Contains(file, tampered.ErrorDetails.Message);
        Assert.Contains("Remove-StackSecret aws -Force", tampered.ErrorDetails.Message);
        _ps.Ok("Remove-StackSecret aws -Confirm:$false");
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void ReferencesRoundTripThroughExportAndImport()
    {
        AddStackWithReferences();
        _ps.Ok("New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-ps-24'); secret_access_key = (S 'sk-ps-25') }; New-StackSecret mlflow -Key password -SecureValue (S 'mlflow-ps-26')");
        var before = _ps.Ok("Resolve-StackConfiguration prod -AsPlainText").Select(c => string.Join(";", ((Hashtable)Prop(c, "Configuration")!).Cast<DictionaryEntry>().Select(e => $"{e.Key}={e.Value}").Order())).ToList();
        _ps.Ok("Export-Stack prod -Path ./prod.yaml; Remove-Stack prod -IncludeComponents -Confirm:$false");
        var exported = File.ReadAllText(Path.Combine(_ps.WorkingDirectory, "prod.yaml"));
        Assert.Contains("'{{ aws.secret_access_key }}'", exported);
        Assert.DoesNotContain("sk-ps-25", exported);
        _ps.Ok("Import-Stack ./prod.yaml");
        Assert.Equal("{{ mlflow.password }}", ((IDictionary)Prop(_ps.Ok("Get-StackComponent mlflow").Single(), "Configuration")!)["tracking_password"]);
        var after = _ps.Ok("Resolve-StackConfiguration prod -AsPlainText").Select(c => string.Join(";", ((Hashtable)Prop(c, "Configuration")!).Cast<DictionaryEntry>().Select(e => $"{e.Key}={e.Value}").Order())).ToList();
        Assert.Equal(before, after);
        Assert.Contains(after, a => a.Contains("secret=sk-ps-25"));
    }

    [Fact]
    public void AClearTextCredentialWarnsAndStrictRefusesIt()
    {
        var result = _ps.Run("New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml'; key = 'AKIA-clear-27' }");
        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("'key'", warning);
        Assert.DoesNotContain("AKIA-clear-27", warning);
        _ps.Fails("New-StackComponent artifact_store s3b s3 -Configuration @{ path = 's3://ml'; key = 'AKIA-clear-27' } -Strict", $"PlainTextSecret,{Commands}.NewStackComponentCommand");
        _ps.Fails("New-StackComponent artifact_store s3c s3 -Configuration @{ path = 's3://ml'; key = '{{ aws.}}' }", $"MalformedSecretReference,{Commands}.NewStackComponentCommand");
        _ps.Ok("New-Stack st -Orchestrator default -ArtifactStore s3");
        Assert.Equal(true, _ps.Ok("Test-Stack st -Quiet").Single().BaseObject);
        Assert.Equal(false, _ps.Ok("Test-Stack st -Quiet -Strict").Single().BaseObject);
    }

    [Theory]
    [InlineData("{{ aws.access_key_id }")]
    [InlineData("{{ aws }}")]
    [InlineData("{{aws.access_key_id}}}")]
    public void AReferenceThatIsAlmostOneIsRefusedNotSavedAsText(string value)
    {
        var error = _ps.Fails($"New-StackComponent artifact_store s3 s3 -Configuration @{{ path = 's3://ml'; key = '{value}' }}", $"MalformedSecretReference,{Commands}.NewStackComponentCommand");
        Assert.Contains("'key' looks like a secret reference but is not one", error.ErrorDetails.Message);
        Assert.False(Directory.Exists(Path.Combine(_ps.Home, "components")));
    }

    [Fact]
    public void SecretNamesComplete()
    {
        _ps.Ok("New-StackSecret aws-dev -Key k -SecureValue (S 'value-28'); New-StackSecret gcp -Key k -SecureValue (S 'value-29')");
        var completions = _ps.Ok("[StackOps.PowerShell.Completion.SecretNameCompleter]::new().CompleteArgument('', 'Name', 'aw', $null, @{}) | ForEach-Object CompletionText");
        Assert.Equal(["aws-dev"], completions.Select(o => (string)o.BaseObject));
        var backends = _ps.Ok("[StackOps.PowerShell.Completion.SecretBackendNameCompleter]::new().CompleteArgument('', 'Backend', 'e', $null, @{}) | ForEach-Object CompletionText");
        Assert.Equal(["env"], backends.Select(o => (string)o.BaseObject));
    }
}
