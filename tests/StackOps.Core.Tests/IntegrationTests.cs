using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>
/// Integrations built by the solution, registered from their build output: their flavors listed and
/// validated like built-ins without loading their code; two integrations on two versions of
/// Newtonsoft.Json both running in one process; a broken one refused while everything else works;
/// and pipeline versions run by hand on the local orchestrator and on an integration's.
/// </summary>
public sealed class IntegrationTests : IDisposable
{
    private readonly TestStore _store = new();
    private StackOpsEngine Engine => _store.Engine;

    private void StackOn(string orchestratorFlavor, IReadOnlyDictionary<string, object?>? configuration = null)
    {
        Engine.Components.Create("orchestrator", "runner", orchestratorFlavor, configuration ?? new Dictionary<string, object?>());
        Engine.Stacks.Create("run", new Dictionary<string, string> { ["orchestrator"] = "runner", ["artifact_store"] = "default" });
    }

    /// <summary>A pipeline with a published version, written as a publish would (the stacks here have no registry to publish from).</summary>
    private void Publish()
    {
        Engine.Pipelines.Create("training", [], "ml/trainer");
        Engine.Change((transaction, _) => StackOpsEngine.Write(transaction, new Pipelines.PipelineVersion("training", "1.0.0",
            "sha256:" + new string('0', 63) + "1", "0123abcd", "refs/heads/main", "publisher@example.com", DateTimeOffset.UtcNow, "dev")));
    }

    [Fact]
    public void ARegisteredIntegrationsFlavorsAreListedAndValidatedLikeBuiltIns()
    {
        var alpha = Engine.Integrations.Register(TestIntegrations.Test("Alpha"));

        Assert.Equal(("alpha", "1.1.0"), (alpha.Name, alpha.AbstractionsVersion));
        Assert.StartsWith("12.0.3", alpha.Version);
        Assert.Equal(["orchestrator/alpha"], alpha.Flavors);
        var flavor = Engine.Flavors.Get("orchestrator", "alpha");
        Assert.Equal(("alpha", true), (flavor.Integration, flavor.Field("greeting")!.Required));
        Assert.Contains(Engine.Flavors.List("orchestrator").Items, f => f.Name == "alpha");
        Assert.Equal("MissingConfigurationKey", Assert.Throws<StackOpsException>(() => Engine.Components.Create("orchestrator", "bad", "alpha", new Dictionary<string, object?>())).ErrorId);
        var component = Engine.Components.Create("orchestrator", "a", "alpha", new Dictionary<string, object?> { ["greeting"] = "hello" });
        Assert.Equal("alpha", component.Labels["stackops.io/integration"]);

        var again = TestStore.Open(_store.Root);
        Assert.Equal(["alpha"], again.Integrations.List().Select(i => i.Name));
        Assert.Equal("IntegrationInUse", Assert.Throws<StackOpsException>(() => again.Integrations.Unregister("alpha", again.Components.List().Items, [])).ErrorId);
    }

    [Fact]
    public void AnIntegrationsValidatorsRunInTestStack()
    {
        var alpha = Engine.Integrations.Register(TestIntegrations.Test("Alpha"));
        StackOn("alpha", new Dictionary<string, object?> { ["greeting"] = "hello" });

        var finding = Assert.Single(Engine.Stacks.Test("run", Secrets.SecretValidation.None).Findings);

        Assert.Equal(1, alpha.Validators);
        Assert.Equal(("ExperimentTrackerRequired", "runner", _store.File("components/orchestrator/runner.yaml")), (finding.Code, finding.Component, finding.File));
        Assert.EndsWith("(integration 'alpha')", finding.Message);
        Engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?> { ["tracking_uri"] = "https://mlflow.example.com" });
        Engine.Stacks.Update("run", new Dictionary<string, string> { ["experiment_tracker"] = "mlflow" });
        Assert.Empty(Engine.Stacks.Test("run", Secrets.SecretValidation.None).Findings);
    }

    [Fact]
    public void AStackWhoseIntegrationIsMissingSaysWhichToRegister()
    {
        Engine.Integrations.Register(TestIntegrations.Test("Alpha"));
        StackOn("alpha", new Dictionary<string, object?> { ["greeting"] = "hello" });
        Directory.Delete(Path.Combine(_store.Root, "integrations", "alpha"), recursive: true);

        var finding = Assert.Single(TestStore.Open(_store.Root).Stacks.Test("run", Secrets.SecretValidation.None).Findings);
        Directory.CreateDirectory(Path.Combine(_store.Root, "integrations", "damaged"));
        File.WriteAllText(Path.Combine(_store.Root, "integrations", "damaged", "integration.json"), "{ not json");
        File.WriteAllText(Path.Combine(_store.Root, "integrations", "damaged", "flavors.yaml"), "x: [");
        var damaged = TestStore.Open(_store.Root);
        Assert.Empty(damaged.Integrations.List());
        Assert.Equal("IntegrationMissing", Assert.Single(damaged.Stacks.Test("run", Secrets.SecretValidation.None).Findings).Code);

        Assert.Equal("IntegrationMissing", finding.Code);
        Assert.Contains("integration 'alpha'", finding.Message);
        Assert.Contains("Register-StackIntegration", finding.Message);
    }

    [Fact]
    public void TwoIntegrationsOnTwoVersionsOfOneLibraryBothRunInOneProcess()
    {
        Engine.Integrations.Register(TestIntegrations.Test("Alpha"));
        Engine.Integrations.Register(TestIntegrations.Test("Beta"));
        Publish();
        Engine.Components.Create("orchestrator", "a", "alpha", new Dictionary<string, object?> { ["greeting"] = "from alpha" });
        Engine.Components.Create("orchestrator", "b", "beta", new Dictionary<string, object?> { ["greeting"] = "from beta" });
        Engine.Stacks.Create("on-alpha", new Dictionary<string, string> { ["orchestrator"] = "a", ["artifact_store"] = "default" });
        Engine.Stacks.Create("on-beta", new Dictionary<string, string> { ["orchestrator"] = "b", ["artifact_store"] = "default" });
        var alphaLog = new List<string>();
        var betaLog = new List<string>();

        var alpha = Engine.Runs.Run("training", "1.0.0", "on-alpha", ["train", "--epochs", "3"], alphaLog.Add, CancellationToken.None);
        var beta = Engine.Runs.Run("training", "1.0.0", "on-beta", ["train"], betaLog.Add, CancellationToken.None);

        Assert.True(alpha.Succeeded && beta.Succeeded);
        Assert.Equal("newtonsoft 12.0.0.0", alphaLog[0]);
        Assert.Equal("newtonsoft 13.0.0.0", betaLog[0]);
        Assert.Equal("{\"greeting\":\"from alpha\",\"command\":[\"train\",\"--epochs\",\"3\"]}", alphaLog[1]);
        Assert.Equal("on-alpha ran train --epochs 3", alpha.Message);
    }

    [Fact]
    public void ABrokenIntegrationIsAClearErrorAndEverythingElseKeepsWorking()
    {
        Engine.Integrations.Register(TestIntegrations.Test("Alpha"));

        var broken = Assert.Throws<StackOpsException>(() => Engine.Integrations.Register(TestIntegrations.Test("Broken")));

        Assert.Equal("IntegrationBroken", broken.ErrorId);
        Assert.Contains("the broken integration refuses to start", broken.Message);
        Assert.Equal(["alpha"], Engine.Integrations.List().Select(i => i.Name));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(_store.Root, "integrations")), d => Path.GetFileName(d).StartsWith('.'));
        Assert.NotNull(Engine.Flavors.Get("orchestrator", "alpha"));

        var missing = Directory.CreateTempSubdirectory("stackops-integration-").FullName;
        File.Copy(Path.Combine(TestIntegrations.Test("Alpha"), "Alpha.dll"), Path.Combine(missing, "Alpha.dll"));
        var dependency = Assert.Throws<StackOpsException>(() => Engine.Integrations.Register(Path.Combine(missing, "Alpha.dll")));
        Assert.Equal("IntegrationBroken", dependency.ErrorId);
        Assert.Contains("Newtonsoft.Json", dependency.Message);
        Directory.Delete(missing, recursive: true);

        Assert.Equal("IntegrationNotFound", Assert.Throws<StackOpsException>(() => Engine.Integrations.Register(_store.File("nothing-here"))).ErrorId);
        Assert.Equal("IntegrationInvalid", Assert.Throws<StackOpsException>(() => Engine.Integrations.Register(_store.Root)).ErrorId);
    }

    [Fact]
    public void APackageIsRegisteredFromItsLibFolderForThisDotNet()
    {
        var package = _store.File("Acme.StackOps.Beta.1.0.0.nupkg");
        using (var zip = System.IO.Compression.ZipFile.Open(package, System.IO.Compression.ZipArchiveMode.Create))
        {
            zip.CreateEntry("Acme.StackOps.Beta.nuspec");
            foreach (var file in Directory.EnumerateFiles(TestIntegrations.Test("Beta")))
                System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(zip, file, $"lib/net8.0/{Path.GetFileName(file)}");
            zip.CreateEntry("lib/net99.0/Beta.dll");
        }

        var beta = Engine.Integrations.Register(package);

        Assert.Equal(["orchestrator/beta"], beta.Flavors);
        Assert.True(File.Exists(Path.Combine(beta.Path, "Newtonsoft.Json.dll")));
    }

    [Fact]
    public void TheLocalOrchestratorRunsTheCommandWithTheStacksConfiguration()
    {
        Publish();
        StackOn("local");
        var log = new List<string>();

        var result = Engine.Runs.Run("training", "1.0.0", "run", ["/bin/sh", "-c", "echo \"$STACKOPS_PIPELINE $STACKOPS_VERSION on $STACKOPS_STACK\"; exit 3"], log.Add, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("exited with code 3", result.Message);
        Assert.Equal(["training 1.0.0 on run"], log);
        Assert.True(Engine.Runs.Run("training", "1.0.0", "run", ["/bin/true"], log.Add, CancellationToken.None).Succeeded);
        Assert.False(Engine.Runs.Run("training", "1.0.0", "run", ["/no/such/program"], log.Add, CancellationToken.None).Succeeded);
    }

    [Fact]
    public void ACancelledRunStopsItsProcess()
    {
        Publish();
        StackOn("local");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var result = Engine.Runs.Run("training", "1.0.0", "run", ["/bin/sleep", "30"], _ => { }, cancel.Token);

        Assert.False(result.Succeeded);
        Assert.Contains("cancelled", result.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void AnOrchestratorStackOpsCannotRunSaysWhatCan()
    {
        Publish();
        Engine.Components.Create("orchestrator", "docker", "local_docker", new Dictionary<string, object?>());
        Engine.Stacks.Create("remote", new Dictionary<string, string> { ["orchestrator"] = "docker", ["artifact_store"] = "default" });

        var refused = Assert.Throws<StackOpsException>(() => Engine.Runs.Run("training", "1.0.0", "remote", ["train"], _ => { }, CancellationToken.None));

        Assert.Equal("OrchestratorNotRunnable", refused.ErrorId);
        Assert.Contains("local", refused.Message);
    }

    [Fact]
    public void TheExampleIntegrationRunsAShellLineWithATimeLimit()
    {
        Engine.Integrations.Register(TestIntegrations.Shell);
        Publish();
        StackOn("shell", new Dictionary<string, object?> { ["timeout_seconds"] = 1 });
        var log = new List<string>();

        Assert.True(Engine.Runs.Run("training", "1.0.0", "run", ["echo", "$STACKOPS_STACK", "&&", "echo", "done"], log.Add, CancellationToken.None).Succeeded);
        Assert.Equal(["run", "done"], log);
        var slow = Engine.Runs.Run("training", "1.0.0", "run", ["sleep", "10"], log.Add, CancellationToken.None);
        Assert.False(slow.Succeeded);
        Assert.Contains("timeout_seconds", slow.Message);
    }

    /// <summary>Alpha registered, and a backend of its folder type registered in the store over a folder of the test's.</summary>
    private string AlphaSecretBackend(string name = "team")
    {
        Engine.Integrations.Register(TestIntegrations.Test("Alpha"));
        var folder = _store.File("alpha-secrets");
        Engine.Secrets.RegisterBackend(name, "alpha-folder", vault: folder);
        return folder;
    }

    [Fact]
    public void AnIntegrationsSecretBackendKeepsSecretsAndResolvesReferencesThroughTheEngine()
    {
        var folder = AlphaSecretBackend();

        var type = Assert.Single(Engine.Integrations.Get("alpha").SecretBackends);
        Assert.Equal(("alpha-folder", SecretVaultSetting.Required), (type.Type, type.Vault));
        Assert.Contains("integration: alpha", File.ReadAllText(_store.File("secret-backends/team.yaml")));
        var listed = TestStore.Open(_store.Root).Secrets.Backends().Items.Single(b => b.Name == "team");
        Assert.Equal(("alpha-folder", folder, "alpha", SecretBackendCapabilities.Read | SecretBackendCapabilities.Write | SecretBackendCapabilities.List), (listed.Type, listed.Vault, listed.Integration, listed.Capabilities));

        Engine.Secrets.Create("db", new Dictionary<string, string> { ["password"] = "alpha-pa55word" }, backend: "team");
        Assert.True(File.Exists(Path.Combine(folder, "db.json")));
        Assert.Equal("alpha-pa55word", Engine.Secrets.Get("db", "team").Values["password"]);
        Assert.Equal(["db"], Engine.Secrets.List("team"));

        StackOn("alpha", new Dictionary<string, object?> { ["greeting"] = "{{ db.password }}" });
        var runner = TestStore.Open(_store.Root).Secrets.Resolve("run", "team").Single(c => c.Name == "runner");
        Assert.Equal("alpha-pa55word", runner.Configuration["greeting"]);
        Assert.Equal(["greeting"], runner.SecretFields);
    }

    [Fact]
    public void AnUnknownSecretBackendTypeOrAMissingIntegrationIsAClearError()
    {
        var unknown = Assert.Throws<StackOpsException>(() => Engine.Secrets.RegisterBackend("team", "alpha-folder", vault: "x"));
        Assert.Equal("UnknownSecretBackendType", unknown.ErrorId);
        Assert.Contains("use one of local, env, secretmanagement.", unknown.Message);
        Assert.Contains("Register-StackIntegration", unknown.Message);
        Engine.Integrations.Register(TestIntegrations.Test("Alpha"));
        Assert.Equal("SecretVaultMissing", Assert.Throws<StackOpsException>(() => Engine.Secrets.RegisterBackend("team", "alpha-folder")).ErrorId);
        AlphaSecretBackend();
        Directory.Delete(Path.Combine(_store.Root, "integrations", "alpha"), recursive: true);

        var again = TestStore.Open(_store.Root);
        var listed = again.Secrets.Backends().Items.Single(b => b.Name == "team");
        var missing = Assert.Throws<StackOpsException>(() => again.Secrets.Get("db", "team"));

        Assert.Equal(SecretBackendCapabilities.None, listed.Capabilities);
        Assert.Equal("IntegrationMissing", missing.ErrorId);
        Assert.Contains("integration 'alpha'", missing.Message);
        Assert.Contains("Register-StackIntegration", missing.Message);
    }

    [Fact]
    public void AnIntegrationStaysWhileASecretBackendUsesItsType()
    {
        AlphaSecretBackend();

        var inUse = Assert.Throws<StackOpsException>(() => Engine.Integrations.Unregister("alpha", Engine.Components.List().Items, secretBackends: Engine.Secrets.Backends().Items));

        Assert.Equal("IntegrationInUse", inUse.ErrorId);
        Assert.Contains("'team' (alpha-folder)", inUse.Message);
        Engine.Secrets.UnregisterBackend("team");
        Engine.Integrations.Unregister("alpha", Engine.Components.List().Items, secretBackends: Engine.Secrets.Backends().Items);
        Assert.Empty(Engine.Integrations.List());
    }

    [Fact]
    public void WhatAnIntegrationsSecretBackendThrowsIsAnErrorWithoutTheValue()
    {
        AlphaSecretBackend();
        const string value = "refuse-this-pa55word";

        var failed = Assert.Throws<StackOpsException>(() => Engine.Secrets.Create("db", new Dictionary<string, string> { ["password"] = value }, backend: "team"));

        Assert.Equal("SecretBackendFailed", failed.ErrorId);
        Assert.Contains("The secret backend 'team' (integration 'alpha') failed: InvalidOperationException: the folder backend does not store", failed.Message);
        Assert.DoesNotContain(value, failed.ToString());
        Assert.Null(failed.InnerException);
    }

    public void Dispose() => _store.Dispose();
}
