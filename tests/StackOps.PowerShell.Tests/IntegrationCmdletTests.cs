using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// Register-, Get- and Unregister-StackIntegration and Invoke-StackPipeline in the hosted engine:
/// the example integration registered from its build output, its flavor used by a stack whose
/// pipeline version (published to a real registry) runs on it; a broken integration that leaves the
/// module usable.
/// </summary>
public sealed class IntegrationCmdletTests : IClassFixture<RegistryFixture>, IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();
    private readonly DockerRegistry _registry;

    public IntegrationCmdletTests(RegistryFixture registry)
    {
        _registry = registry.Registry;
        _ps.Ok(SecretCmdletTests.SecureHelper);
    }

    private void ArrangeAPublishedVersion(string orchestrator)
    {
        var prefix = "integrations" + Guid.NewGuid().ToString("N")[..8];
        _registry.Push($"{prefix}/ml/trainer", "1.0.0", "integration layer");
        _ps.Ok($$"""
            $null = New-ServiceConnector registry docker password -Configuration @{ username = '{{_registry.UserName}}'; password = (S '{{_registry.UserPassword}}') } -ResourceType docker-registry -ResourceId {{_registry.Host}}
            $null = New-StackComponent container_registry registry default -Configuration @{ uri = '{{_registry.Host}}/{{prefix}}' }
            $null = Connect-StackComponent container_registry registry -Connector registry
            $null = New-Stack run -Orchestrator {{orchestrator}} -ArtifactStore default -ContainerRegistry registry
            Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'run' }
            $null = New-StackPipeline training ml/trainer
            $null = Publish-StackPipeline training 1.0.0 -SourceRevision 0123abcd -SourceRef refs/heads/main
            """);
    }

    [Fact]
    public void TheExampleIntegrationIsRegisteredUsedAndUnregistered()
    {
        var info = _ps.Ok($"Register-StackIntegration '{TestIntegrations.Shell}'").Single();

        Assert.Equal(("shell", "1.0.0"), ((string)info.Properties["Name"].Value, (string)info.Properties["Version"].Value));
        Assert.Equal("shell", _ps.Ok("(Get-StackIntegration sh*).Name").Single().BaseObject);
        Assert.Equal("shell", _ps.Ok("(Get-StackFlavor -Type orchestrator -Name shell).Integration").Single().BaseObject);
        _ps.Ok("$null = New-StackComponent orchestrator sh shell -Configuration @{ timeout_seconds = 30 }");
        ArrangeAPublishedVersion("sh");

        var run = _ps.Run("Invoke-StackPipeline training -Version 1.0.0 -Stack run -Command 'echo', 'image=$STACKOPS_IMAGE'");

        Assert.Empty(run.Errors);
        Assert.True((bool)run.Single().Properties["Succeeded"].Value);
        Assert.Contains(run.AllText, line => line.StartsWith($"image={_registry.Host}/", StringComparison.Ordinal) && line.Contains("/ml/trainer@sha256:", StringComparison.Ordinal));

        _ps.Fails("Invoke-StackPipeline training -Version 1.0.0 -Stack run", $"PipelineCommandMissing,{Commands}.InvokeStackPipelineCommand");
        _ps.Ok("Set-StackPipeline training -Command 'echo', 'declared', 'by', 'the', 'pipeline'");
        Assert.Contains("declared by the pipeline", _ps.Run("Invoke-StackPipeline training -Version 1.0.0 -Stack run").AllText);
        var stored = File.ReadAllText(Path.Combine(_ps.Home, "pipelines", "training.yaml"));
        Assert.Contains("command:", stored);
        Assert.Contains("- declared", stored);

        var failed = _ps.Run("Invoke-StackPipeline training -Version 1.0.0 -Stack run -Command 'exit', '4'");
        Assert.Equal([$"RunFailed,{Commands}.InvokeStackPipelineCommand"], failed.ErrorIds);

        _ps.Fails("Unregister-StackIntegration shell -Confirm:$false", $"IntegrationInUse,{Commands}.UnregisterStackIntegrationCommand");
        _ps.Ok("Remove-Stack run -Confirm:$false; Remove-StackComponent orchestrator sh -Confirm:$false; Unregister-StackIntegration shell -Confirm:$false");
        Assert.Empty(_ps.Ok("Get-StackIntegration"));
        _ps.Fails("Get-StackFlavor -Type orchestrator -Name shell", $"FlavorNotFound,{Commands}.GetStackFlavorCommand");
    }

    [Fact]
    public void ABrokenIntegrationIsAnErrorAndTheModuleKeepsWorking()
    {
        var broken = _ps.Fails($"Register-StackIntegration '{TestIntegrations.Test("Broken")}'", $"IntegrationBroken,{Commands}.RegisterStackIntegrationCommand");

        Assert.Contains("the broken integration refuses to start", broken.Exception.Message);
        Assert.Empty(_ps.Ok("Get-StackIntegration"));
        Assert.Equal("default", _ps.Ok("(Get-Stack default).Name").Single().BaseObject);
        _ps.Fails("Invoke-StackPipeline nothing -Version 1 -Stack default -Command x", $"PipelineNotFound,{Commands}.InvokeStackPipelineCommand");
    }

    [Fact]
    public void ComponentsAreCheckedAndListedThroughBuiltInAndIntegrationImplementations()
    {
        var shelf = Directory.CreateDirectory(Path.Combine(_ps.Root, "shelf")).FullName;
        Directory.CreateDirectory(Path.Combine(shelf, "team-a", "models"));
        File.WriteAllText(Path.Combine(shelf, "team-a", "run.log"), "ok");
        File.WriteAllText(Path.Combine(shelf, ".token"), "shelf-cmdlet-token-7");
        var prefix = "items" + Guid.NewGuid().ToString("N")[..8];
        _registry.Push($"{prefix}/ml/trainer", "1.0.0", "items layer");
        _ps.Ok($$"""
            $null = Register-StackIntegration '{{TestIntegrations.Test("Gamma")}}'
            $null = New-ServiceConnector shelf shelf token -Configuration @{ root = '{{shelf}}'; token = (S 'shelf-cmdlet-token-7') }
            $null = New-StackComponent artifact_store shelved shelf -Configuration @{ shelf = 'team-a' }
            $null = Connect-StackComponent artifact_store shelved -Connector shelf
            $null = New-ServiceConnector registry docker password -Configuration @{ username = '{{_registry.UserName}}'; password = (S '{{_registry.UserPassword}}') } -ResourceType docker-registry -ResourceId {{_registry.Host}}
            $null = New-StackComponent container_registry images default -Configuration @{ uri = '{{_registry.Host}}/{{prefix}}' }
            $null = Connect-StackComponent container_registry images -Connector registry
            """);

        Assert.Equal(["shelf"], _ps.Ok("(Get-ServiceConnectorType shelf).Name").Select(o => o.BaseObject));
        Assert.Equal(["shelf"], _ps.Ok("[StackOps.PowerShell.Completion.ConnectorTypeCompleter]::new().CompleteArgument('', 'Type', 'sh', $null, @{}) | ForEach-Object CompletionText").Select(o => o.BaseObject));
        Assert.Equal(["token"], _ps.Ok("[StackOps.PowerShell.Completion.AuthMethodCompleter]::new().CompleteArgument('', 'AuthMethod', '', $null, @{ Type = 'shelf' }) | ForEach-Object CompletionText").Select(o => o.BaseObject));
        Assert.Equal([true, true], _ps.Ok("Get-StackComponent shelved, images | Test-StackComponent -Quiet").Select(o => o.BaseObject));
        Assert.Equal(["models/", "run.log"], _ps.Ok("(Get-StackComponentItem shelved).Path").Select(o => o.BaseObject).Order());
        Assert.Equal([$"{prefix}/ml/trainer"], _ps.Ok("(Get-StackComponentItem images).Path").Select(o => o.BaseObject));

        _ps.Fails("Get-StackComponentItem shelved ../..", $"InvalidPath,{Commands}.GetStackComponentItemCommand");
        _ps.Fails("Test-StackComponent default -Type orchestrator", $"ComponentNotTestable,{Commands}.TestStackComponentCommand");
        _ps.Fails("Unregister-StackIntegration gamma -Confirm:$false", $"IntegrationInUse,{Commands}.UnregisterStackIntegrationCommand");
    }

    [Fact]
    public void ASecretBackendOfAnIntegrationsTypeIsRegisteredListedAndUsed()
    {
        _ps.Fails("Register-StackSecretBackend team alpha-folder -Vault x", $"UnknownSecretBackendType,{Commands}.RegisterStackSecretBackendCommand");
        _ps.Ok($"$null = Register-StackIntegration '{TestIntegrations.Test("Alpha")}'");
        var folder = Path.Combine(_ps.Home, "alpha-secrets");

        var backend = _ps.Ok($"Register-StackSecretBackend team alpha-folder -Vault '{folder}' -PassThru").Single();

        Assert.Equal(("alpha-folder", "alpha"), ((string)backend.Properties["Type"].Value, (string)backend.Properties["Integration"].Value));
        Assert.Equal("Read, Write, List", _ps.Ok("(Get-StackSecretBackend team).Capabilities").Single().ToString());
        _ps.Ok("$null = New-StackSecret db -Value @{ password = (S 'alpha-ps-pa55') } -Backend team");
        Assert.Equal("alpha-ps-pa55", _ps.Ok("(Get-StackSecret db -Backend team -AsPlainText).Values.password").Single().BaseObject);
        Assert.True(File.Exists(Path.Combine(folder, "db.json")));
        _ps.Fails("Unregister-StackIntegration alpha -Confirm:$false", $"IntegrationInUse,{Commands}.UnregisterStackIntegrationCommand");
    }

    public void Dispose() => _ps.Dispose();
}
