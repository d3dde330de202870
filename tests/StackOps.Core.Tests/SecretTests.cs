using System.Text;
using System.Text.Json.Nodes;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Validation;

namespace StackOps.Core.Tests;

/// <summary>Secrets in the local and env backends, references, validation and resolution, through the engine.</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class SecretTests : IDisposable
{
    private const string AccessKey = "AKIA-core-test-7f3e9b21";
    private const string SecretKey = "wJalr-core-test-secret-5d1c88";
    private readonly TestStore _store = new();

    public SecretTests()
    {
        Environment.SetEnvironmentVariable(LocalSecretBackend.KeyVariable, null);
        Environment.SetEnvironmentVariable(SecretService.BackendVariable, null);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(LocalSecretBackend.KeyVariable, null);
        Environment.SetEnvironmentVariable(SecretService.BackendVariable, null);
        _store.Dispose();
    }

    private SecretService Secrets => _store.Engine.Secrets;

    private Secret CreateAws() => Secrets.Create("aws", new Dictionary<string, string> { ["access_key_id"] = AccessKey, ["secret_access_key"] = SecretKey });

    private static StackOpsException Throws(Action action) => Assert.Throws<StackOpsException>(action);

    [Fact]
    public void LocalSecretsAreEncryptedAtRestAndReadBack()
    {
        CreateAws();
        var file = _store.File("secrets/aws.secret");
        var text = File.ReadAllText(file);
        Assert.DoesNotContain(AccessKey, text);
        Assert.DoesNotContain("access_key_id", text);
        Assert.Equal("aws", (string?)JsonNode.Parse(text)!["name"]);
        var secret = Secrets.Get("AWS");
        Assert.Equal(["access_key_id", "secret_access_key"], secret.Keys);
        Assert.Equal(AccessKey, secret.Values["access_key_id"]);
        Assert.Equal("aws", secret.ToString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_store.File("secrets.key")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Equal(44, File.ReadAllText(_store.File("secrets.key")).Trim().Length);
    }

    [Fact]
    public void SetRenameAndRemove()
    {
        CreateAws();
        var updated = Secrets.Update("aws", new Dictionary<string, string> { ["session_token"] = "token-abc-123" }, removeKeys: ["secret_access_key"],
            labels: new Dictionary<string, string?> { ["team"] = "ml" });
        Assert.Equal(["access_key_id", "session_token"], updated.Keys);
        Assert.Equal("ml", Secrets.Get("aws").Labels["team"]);
        Assert.Equal("SecretKeyNotFound", Throws(() => Secrets.Update("aws", null, removeKeys: ["nope"])).ErrorId);
        Assert.Equal("SecretValueMissing", Throws(() => Secrets.Update("aws", null, removeKeys: ["access_key_id", "session_token"])).ErrorId);

        Secrets.Rename("aws", "aws-prod");
        Assert.False(File.Exists(_store.File("secrets/aws.secret")));
        Assert.Equal(AccessKey, Secrets.Get("aws-prod").Values["access_key_id"]);
        Secrets.Rename("aws-prod", "AWS-prod");
        Assert.Equal(["AWS-prod"], Secrets.List());

        Assert.Equal("SecretAlreadyExists", Throws(() => Secrets.Create("aws-PROD", new Dictionary<string, string> { ["k"] = "value" })).ErrorId);
        Secrets.Remove("aws-prod");
        Assert.Empty(Secrets.List());
        Assert.Equal("SecretNotFound", Throws(() => Secrets.Get("aws-prod")).ErrorId);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a.b")]
    [InlineData("has space")]
    [InlineData("line\nbreak")]
    [InlineData("name")]
    [InlineData("{{ a.b }}")]
    public void BadSecretNamesAreRefusedAndNothingIsWritten(string name)
    {
        var error = Throws(() => Secrets.Create(name, new Dictionary<string, string> { ["k"] = "value" }));
        Assert.Equal("InvalidName", error.ErrorId);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(_store.Snapshot());
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a-b")]
    [InlineData("a.b")]
    [InlineData("name")]
    [InlineData("")]
    public void KeysAreIdentifiersAndNotName(string key)
    {
        Assert.Equal("InvalidSecretKey", Throws(() => Secrets.Create("s", new Dictionary<string, string> { [key] = "value" })).ErrorId);
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void AWrongKeyIsAClearErrorNeverGarbage()
    {
        CreateAws();
        var before = _store.Snapshot();
        Environment.SetEnvironmentVariable(LocalSecretBackend.KeyVariable, Convert.ToBase64String(new byte[32]));
        var error = Throws(() => Secrets.Get("aws"));
        Assert.Equal("SecretsKeyMismatch", error.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, error.Kind);
        Assert.Contains(_store.File("secrets/aws.secret"), error.Message);
        Environment.SetEnvironmentVariable(LocalSecretBackend.KeyVariable, "not base64!");
        Assert.Equal("SecretsKeyInvalid", Throws(() => Secrets.Get("aws")).ErrorId);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void TheKeyCanComeFromTheEnvironment()
    {
        var key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        Environment.SetEnvironmentVariable(LocalSecretBackend.KeyVariable, key);
        CreateAws();
        Assert.False(File.Exists(_store.File("secrets.key")));
        Assert.Equal(SecretKey, Secrets.Get("aws").Values["secret_access_key"]);
        Environment.SetEnvironmentVariable(LocalSecretBackend.KeyVariable, null);
        Assert.Equal("SecretsKeyMissing", Throws(() => Secrets.Get("aws")).ErrorId);
        Assert.Equal("SecretsKeyMissing", Throws(() => Secrets.Create("other", new Dictionary<string, string> { ["k"] = "value" })).ErrorId);
        Assert.False(File.Exists(_store.File("secrets.key")));
    }

    [Fact]
    public void AMissingOrExposedKeyFileIsAClearError()
    {
        CreateAws();
        var keyFile = _store.File("secrets.key");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            Assert.Equal("SecretsKeyInsecure", Throws(() => Secrets.Get("aws")).ErrorId);
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(keyFile, keyFile + ".bak");
        var error = Throws(() => Secrets.Get("aws"));
        Assert.Equal("SecretsKeyMissing", error.ErrorId);
        Assert.Contains(LocalSecretBackend.KeyVariable, error.Message);
    }

    [Theory]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    [InlineData("nonce")]
    [InlineData("name")]
    [InlineData("truncate")]
    public void ATamperedSecretFileIsDetected(string part)
    {
        CreateAws();
        var file = _store.File("secrets/aws.secret");
        var envelope = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        switch (part)
        {
            case "name":
                envelope["name"] = "AWS";
                break;
            case "truncate":
                File.WriteAllText(file, File.ReadAllText(file)[..40]);
                break;
            default:
                var bytes = Convert.FromBase64String((string)envelope[part]!);
                bytes[^1] ^= 0x01;
                envelope[part] = Convert.ToBase64String(bytes);
                break;
        }
        if (part != "truncate") File.WriteAllText(file, envelope.ToJsonString());
        var tampered = File.ReadAllText(file);
        var error = Throws(() => Secrets.Get("aws"));
        Assert.Equal("SecretTampered", error.ErrorId);
        Assert.Contains(file, error.Message);
        Assert.Equal(tampered, File.ReadAllText(file));
        Secrets.Remove("aws");
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void AFileRenamedToAnotherSecretIsDetected()
    {
        CreateAws();
        File.Move(_store.File("secrets/aws.secret"), _store.File("secrets/gcp.secret"));
        Assert.Equal("SecretTampered", Throws(() => Secrets.Get("gcp")).ErrorId);
    }

    [Fact]
    public void TheEnvironmentBackendMapsNamesAndKeysAndIsReadOnly()
    {
        Assert.Equal("STACKOPS_SECRET_AWS_STAGING__ACCESS_KEY_ID", EnvironmentSecretBackend.VariableName("aws-staging", "access_key_id"));
        Environment.SetEnvironmentVariable("STACKOPS_SECRET_AWS_STAGING__ACCESS_KEY_ID", AccessKey);
        try
        {
            var secret = Secrets.Get("aws-staging", "env");
            Assert.Equal(AccessKey, secret.Values["access_key_id"]);
            Assert.Contains("aws_staging", Secrets.List("env"));
            var error = Throws(() => Secrets.Create("x", new Dictionary<string, string> { ["k"] = "value" }, backend: "env"));
            Assert.Equal("SecretBackendReadOnly", error.ErrorId);
            Assert.Contains("STACKOPS_SECRET_", error.Message);
            Assert.Equal("SecretNotFound", Throws(() => Secrets.Get("other", "env")).ErrorId);
        }
        finally { Environment.SetEnvironmentVariable("STACKOPS_SECRET_AWS_STAGING__ACCESS_KEY_ID", null); }
    }

    [Fact]
    public void BackendsAreRegisteredPerStoreWithOneDefault()
    {
        Assert.Equal(["local", "env"], Secrets.Backends().Items.Select(b => b.Name));
        Assert.Equal("local", Secrets.Backend(null).Name);
        Secrets.RegisterBackend("ci", "env", makeDefault: true);
        Secrets.RegisterBackend("vault", "secretmanagement", vault: "TeamVault", makeDefault: true);
        var backends = Secrets.Backends().Items;
        Assert.Equal("vault", Assert.Single(backends, b => b.IsDefault).Name);
        Assert.Contains("vault: TeamVault", File.ReadAllText(_store.File("secret-backends/vault.yaml")));
        Assert.DoesNotContain("default", File.ReadAllText(_store.File("secret-backends/ci.yaml")));
        Assert.Equal(SecretBackendCapabilities.Read | SecretBackendCapabilities.List, backends.Single(b => b.Name == "ci").Capabilities);

        Environment.SetEnvironmentVariable(SecretService.BackendVariable, "ci");
        Assert.Equal("ci", Secrets.Backend(null).Name);
        Environment.SetEnvironmentVariable(SecretService.BackendVariable, null);

        Assert.Equal("SecretManagementUnavailable", Throws(() => Secrets.Get("x")).ErrorId);
        Assert.Equal("BuiltInSecretBackend", Throws(() => Secrets.RegisterBackend("local", "env")).ErrorId);
        Assert.Equal("SecretVaultMissing", Throws(() => Secrets.RegisterBackend("v2", "secretmanagement")).ErrorId);
        Assert.Equal("UnknownSecretBackendType", Throws(() => Secrets.RegisterBackend("v2", "keychain")).ErrorId);
        Assert.Equal("SecretBackendNotFound", Throws(() => Secrets.Get("x", "nope")).ErrorId);
        Secrets.UnregisterBackend("vault");
        Assert.Equal("local", Secrets.Backend(null).Name);
    }

    [Theory]
    [InlineData("{{ aws.}}", true)]
    [InlineData("{{ .key }}", true)]
    [InlineData("{{aws.key extra}}", true)]
    [InlineData("{{n . k}}", true)]
    [InlineData("{{nodot}}", true)]
    [InlineData("{{ aws.access_key_id }", true)]
    [InlineData("{{ aws }}", true)]
    [InlineData("{{aws.access_key_id}}}", true)]
    [InlineData("{ aws.access_key_id }}", true)]
    [InlineData(" {{ aws.access_key_id } ", true)]
    [InlineData("{n.k}", false)]
    [InlineData("prefix {{ n.k }}", false)]
    [InlineData("{\"json\": 1}", false)]
    [InlineData("${{n.k}}", false)]
    [InlineData("{{ n.k }}", false)]
    public void MalformedReferencesAreThoseClearlyMeant(string value, bool malformed) => Assert.Equal(malformed, SecretReference.IsMalformed(value));

    [Fact]
    public void AMalformedReferenceIsRefused()
    {
        var error = Throws(() => _store.Engine.Components.Create("artifact_store", "s3", "s3",
            new Dictionary<string, object?> { ["path"] = "s3://b", ["key"] = "{{ aws.}}" }));
        Assert.Equal("MalformedSecretReference", error.ErrorId);
        Assert.Contains("'key'", error.Message);
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void AClearTextCredentialIsAWarningOrWithStrictAnError()
    {
        var log = new RecordingLog();
        _store.Engine.Log = log;
        _store.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://b", ["secret"] = "plain-credential-value" });
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("'secret'", warning);
        Assert.Contains("New-StackSecret", warning);
        Assert.DoesNotContain("plain-credential-value", warning);

        var before = _store.Snapshot();
        var error = Throws(() => _store.Engine.Components.Create("artifact_store", "s3b", "s3", new Dictionary<string, object?> { ["path"] = "s3://b", ["secret"] = "x" }, strict: true));
        Assert.Equal("PlainTextSecret", error.ErrorId);
        Assert.Equal(before, _store.Snapshot());

        _store.Engine.Stacks.Create("st", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "s3" });
        var finding = Assert.Single(_store.Engine.Stacks.Test("st").Findings);
        Assert.Equal((FindingSeverity.Warning, "PlainTextSecret", "secret"), (finding.Severity, finding.Code, finding.Field));
        Assert.True(_store.Engine.Stacks.Test("st").IsValid);
        Assert.False(_store.Engine.Stacks.Test("st", strict: true).IsValid);
    }

    /// <summary>A stack whose artifact store references aws.access_key_id and aws.secret_access_key, and whose tracker references mlflow.password.</summary>
    private void AddStackWithReferences()
    {
        _store.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?>
        {
            ["path"] = "s3://ml", ["key"] = "{{ aws.access_key_id }}", ["secret"] = "{{aws.secret_access_key}}",
        });
        _store.Engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?>
        {
            ["tracking_uri"] = "https://mlflow.example.com", ["tracking_username"] = "ci", ["tracking_password"] = "{{ mlflow.password }}",
        });
        _store.Engine.Stacks.Create("prod", new Dictionary<string, string>
        {
            ["orchestrator"] = "default", ["artifact_store"] = "s3", ["experiment_tracker"] = "mlflow",
        });
    }

    [Fact]
    public void TestStackReportsEachUnresolvedReferenceWithFileAndLine()
    {
        AddStackWithReferences();
        Secrets.Create("aws", new Dictionary<string, string> { ["access_key_id"] = AccessKey });

        var findings = _store.Engine.Stacks.Test("prod").Findings;
        Assert.Equal(["SecretKeyNotFound", "SecretNotFound"], findings.Select(f => f.Code).Order());
        var missingKey = findings.Single(f => f.Code == "SecretKeyNotFound");
        Assert.Equal(("s3", "secret", _store.File("components/artifact_store/s3.yaml")), (missingKey.Component, missingKey.Field, missingKey.File));
        Assert.Equal(File.ReadAllLines(missingKey.File!).ToList().FindIndex(l => l.Contains("secret:")) + 1, missingKey.Line);
        Assert.Contains("{{ aws.secret_access_key }}", missingKey.Message);

        Assert.Equal(["SecretNotFound"], _store.Engine.Stacks.Test("prod", SecretValidation.SecretExists).Findings.Select(f => f.Code));
        Assert.Empty(_store.Engine.Stacks.Test("prod", SecretValidation.None).Findings);
    }

    [Fact]
    public void ResolveGivesTheValuesAndKeepsTheStoredReferences()
    {
        AddStackWithReferences();
        CreateAws();
        Secrets.Create("mlflow", new Dictionary<string, string> { ["password"] = "mlflow-pass-91" });
        var before = _store.Snapshot();
        var resolved = Secrets.Resolve("prod");
        Assert.Equal(["orchestrator", "artifact_store", "experiment_tracker"], resolved.Select(c => c.Type));
        var s3 = resolved.Single(c => c.Name == "s3");
        Assert.Equal(AccessKey, s3.Configuration["key"]);
        Assert.Equal(SecretKey, s3.Configuration["secret"]);
        Assert.Equal("s3://ml", s3.Configuration["path"]);
        Assert.Equal(["key", "secret"], s3.SecretFields.Order());
        Assert.Equal("mlflow-pass-91", resolved.Single(c => c.Name == "mlflow").Configuration["tracking_password"]);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void ResolveReportsEveryUnresolvedReferenceWithoutAValue()
    {
        AddStackWithReferences();
        Secrets.Create("aws", new Dictionary<string, string> { ["access_key_id"] = AccessKey });
        var error = Throws(() => Secrets.Resolve("prod"));
        Assert.Equal("SecretReferenceUnresolved", error.ErrorId);
        Assert.Contains("{{ aws.secret_access_key }}", error.Message);
        Assert.Contains("{{ mlflow.password }}", error.Message);
        Assert.Contains("Register-StackSecret -Stack prod", error.Message);
        Assert.DoesNotContain(AccessKey, error.Message);
    }

    [Fact]
    public void RegisterMissingCreatesOnlyWhatIsMissing()
    {
        AddStackWithReferences();
        Secrets.Create("aws", new Dictionary<string, string> { ["access_key_id"] = AccessKey });
        Assert.Equal(["aws.secret_access_key", "mlflow.password"], Secrets.Missing("prod").Select(m => $"{m.Secret}.{m.Key}").Order());

        var skipped = Secrets.RegisterMissing("prod", m => $"value-of-{m.Secret}-{m.Key}", skipExisting: true);
        Assert.Equal(["mlflow"], skipped.Select(s => s.Name));
        Assert.Equal(["access_key_id"], Secrets.Get("aws").Keys);

        Secrets.RegisterMissing("prod", m => $"value-of-{m.Secret}-{m.Key}");
        Assert.Equal("value-of-aws-secret_access_key", Secrets.Get("aws").Values["secret_access_key"]);
        Assert.Equal(AccessKey, Secrets.Get("aws").Values["access_key_id"]);
        Assert.Empty(Secrets.Missing("prod"));
        Assert.Empty(_store.Engine.Stacks.Test("prod").Findings);
    }

    [Fact]
    public void RegisterMissingWritesNothingWhenAValueIsRefused()
    {
        AddStackWithReferences();
        var before = _store.Snapshot();
        var error = Throws(() => Secrets.RegisterMissing("prod", m => m.Secret == "mlflow" ? throw Fail.SecretValueMissing(m.Secret, m.Key, "-Value") : "value"));
        Assert.Equal("SecretValueMissing", error.ErrorId);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void AReferencedSecretIsRemovedOnlyWithForce()
    {
        AddStackWithReferences();
        CreateAws();
        var error = Throws(() => Secrets.Remove("aws"));
        Assert.Equal("SecretInUse", error.ErrorId);
        Assert.Contains("the artifact_store 's3'", error.Message);
        Secrets.Remove("aws", force: true);
        Assert.Empty(Secrets.List());
    }

    [Fact]
    public void ASecretIsNotRemovedWhileAComponentCannotBeRead()
    {
        CreateAws();
        _store.Engine.Components.Create("orchestrator", "mine", "local", new Dictionary<string, object?>());
        File.WriteAllText(_store.File("components/orchestrator/mine.yaml"), "apiVersion: [broken");
        var error = Throws(() => Secrets.Remove("aws"));
        Assert.Equal("InvalidYaml", error.ErrorId);
        Assert.Contains("nothing was changed", error.Message);
        Assert.Equal(["aws"], Secrets.List());
        Secrets.Remove("aws", force: true);
        Assert.Empty(Secrets.List());
    }

    [Fact]
    public void ReferencesRoundTripThroughExportAndImport()
    {
        AddStackWithReferences();
        foreach (var format in new[] { Interop.ExportFormat.StackOps, Interop.ExportFormat.ZenML })
        {
            var yaml = _store.Engine.Interchange.Export("prod", format);
            Assert.Contains("{{ aws.access_key_id }}", yaml);
            Assert.Contains("{{aws.secret_access_key}}", yaml);
            using var other = new TestStore();
            var imported = other.Engine.Interchange.Import(yaml, "export.yaml");
            var s3 = other.Engine.Components.Get("artifact_store", "s3");
            Assert.Equal("{{ aws.access_key_id }}", s3.Configuration["key"]);
            Assert.Equal("{{aws.secret_access_key}}", s3.Configuration["secret"]);
            Assert.Equal("{{ mlflow.password }}", other.Engine.Components.Get("experiment_tracker", "mlflow").Configuration["tracking_password"]);
            Assert.Equal("prod", imported.Stack.Name);
        }
    }

    [Fact]
    public void NamesCannotBeSecretReferences()
    {
        Assert.Equal("InvalidName", Throws(() => _store.Engine.Components.Create("orchestrator", "{{ a.b }}", "local", new Dictionary<string, object?>())).ErrorId);
    }

    [Fact]
    public void AValueTooShortToMaskIsRefusedWhenWrittenAndWhenRead()
    {
        AddStackWithReferences();
        foreach (var value in new[] { "Q", "Q7", " Q7\n" })
        {
            var error = Throws(() => Secrets.Create("aws", new Dictionary<string, string> { ["access_key_id"] = AccessKey, ["secret_access_key"] = value }));
            Assert.Equal(("SecretValueTooShort", ErrorKind.InvalidArgument), (error.ErrorId, error.Kind));
            Assert.Contains("key 'secret_access_key' of secret 'aws'", error.Message);
            Assert.DoesNotContain("Q7", error.Message);
        }
        Assert.False(Secrets.Exists("aws"));
        CreateAws();
        Assert.Equal("SecretValueTooShort", Throws(() => Secrets.Update("aws", new Dictionary<string, string> { ["session_token"] = "Q7" })).ErrorId);
        Assert.Equal("SecretValueTooShort", Throws(() => Secrets.RegisterMissing("prod", _ => "Q7")).ErrorId);
        Assert.False(Secrets.Exists("mlflow"));
        Assert.Equal("Q7x", Secrets.Create("three", new Dictionary<string, string> { ["k"] = "Q7x" }).Values["k"]);

        // A value stored before the rule (here written past the engine, straight into the backend) is refused when it is read.
        var local = Secrets.Open(Secrets.Backend("local"));
        using (var transaction = local.Begin())
        {
            transaction.Put(new Secret("mlflow", new Dictionary<string, string> { ["password"] = "Q7" }));
            transaction.Commit();
        }
        var read = Throws(() => Secrets.Get("mlflow"));
        Assert.Equal("SecretValueTooShort", read.ErrorId);
        Assert.Contains("key 'password' of secret 'mlflow' in the secret backend 'local'", read.Message);
        Assert.Contains("Set-StackSecret mlflow", read.Message);
        Assert.Equal("SecretValueTooShort", Throws(() => Secrets.Resolve("prod")).ErrorId);
        Assert.Equal(["SecretValueTooShort"], _store.Engine.Stacks.Test("prod").Findings.Select(f => f.Code));

        Environment.SetEnvironmentVariable("STACKOPS_SECRET_MLFLOW__PASSWORD", "Q7");
        try
        {
            var env = Throws(() => Secrets.Get("mlflow", "env"));
            Assert.Contains("$env:STACKOPS_SECRET_MLFLOW__PASSWORD", env.Message);
            Assert.DoesNotContain("Q7", env.Message);
        }
        finally { Environment.SetEnvironmentVariable("STACKOPS_SECRET_MLFLOW__PASSWORD", null); }
    }

    private sealed class RecordingLog : IEngineLog
    {
        public List<string> Warnings { get; } = [];
        public void Warning(string message) => Warnings.Add(message);
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Progress(string activity, string status, int percent) { }
    }
}

public sealed class SecretMaskerTests
{
    [Fact]
    public void MasksValuesAndEachLineOfAMultiLineValue()
    {
        var masker = new SecretMasker();
        var pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n";
        masker.Register(pem);
        masker.Register("hunter2-token");
        Assert.Equal("key *** and ***", masker.Apply("key hunter2-token and MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
        Assert.Equal("whole: ***", masker.Apply("whole: " + pem.Trim()));
        Assert.DoesNotContain("BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj", masker.Apply("line BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj end"));
        Assert.True(masker.Reveals("x hunter2-token"));
        Assert.False(masker.Reveals(masker.Apply("x hunter2-token")));
    }

    [Fact]
    public void LongerValuesAreMaskedWholeAndTinyOnesAreLeftAlone()
    {
        var masker = new SecretMasker();
        var announced = new List<string>();
        masker.Registered += announced.Add;
        masker.Register("abc");
        masker.Register("abcdef");
        masker.Register("ab");
        Assert.Equal("*** then ***", masker.Apply("abcdef then abc"));
        Assert.Equal("ab", masker.Apply("ab"));
        Assert.Equal(["abc", "abcdef"], announced);
    }
}
