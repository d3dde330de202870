using System.Management.Automation;
using System.Reflection;
using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>Every state-changing cmdlet asks ShouldProcess: with -WhatIf, no file of any store changes.</summary>
public sealed class WhatIfTests : IDisposable, IClassFixture<RegistryFixture>
{
    private readonly PowerShellSession _ps = new();
    private readonly DockerRegistry _registry;

    public WhatIfTests(RegistryFixture fixture)
    {
        _registry = fixture.Registry;
        _ps.Ok(SecretCmdletTests.SecureHelper);
    }

    private void Ok(string script, params (string, object?)[] variables)
    {
        var result = _ps.Run(script, variables);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));
    }

    public void Dispose() => _ps.Dispose();

    private static readonly Dictionary<string, string> Scripts = new()
    {
        ["Initialize-StackRepository"] = "Initialize-StackRepository -WhatIf",
        ["New-Stack"] = "New-Stack x -Orchestrator default -ArtifactStore default -WhatIf",
        ["Set-Stack"] = "Set-Stack dev -Label @{ a = 'b' } -WhatIf",
        ["Rename-Stack"] = "Rename-Stack dev other -WhatIf",
        ["Copy-Stack"] = "Copy-Stack dev other -WhatIf",
        ["Remove-Stack"] = "Get-Stack dev | Remove-Stack -WhatIf",
        ["Set-ActiveStack"] = "Set-ActiveStack dev -WhatIf",
        ["Export-Stack"] = "Export-Stack dev -Path ./dev.yaml -WhatIf",
        ["Import-Stack"] = "Export-Stack dev | Import-Stack -Name imported -WhatIf",
        ["New-StackComponent"] = "New-StackComponent orchestrator y local -WhatIf",
        ["Set-StackComponent"] = "Set-StackComponent orchestrator mine -Label @{ a = 'b' } -WhatIf",
        ["Rename-StackComponent"] = "Rename-StackComponent orchestrator mine other -WhatIf",
        ["Copy-StackComponent"] = "Copy-StackComponent orchestrator mine other -WhatIf",
        ["Remove-StackComponent"] = "Get-StackComponent reg | Remove-StackComponent -WhatIf",
        ["Register-StackFlavor"] = "Register-StackFlavor -Yaml \"apiVersion: stackops.io/v1`nkind: Flavor`nmetadata: { name: mine, type: alerter }`nspec: { configuration: {} }`n\" -WhatIf",
        ["Unregister-StackFlavor"] = "Unregister-StackFlavor alerter custom -WhatIf",
        ["New-StackSecret"] = "New-StackSecret other -Value @{ k = (S 'whatif-value') } -WhatIf",
        ["Set-StackSecret"] = "Set-StackSecret aws -Value @{ k = (S 'whatif-value') } -WhatIf",
        ["Rename-StackSecret"] = "Rename-StackSecret aws other -WhatIf",
        ["Remove-StackSecret"] = "Get-StackSecret aws | Remove-StackSecret -WhatIf",
        ["Register-StackSecret"] = "Register-StackSecret dev -Value @{ 'mlflow.password' = (S 'whatif-value') } -WhatIf",
        ["Register-StackSecretBackend"] = "Register-StackSecretBackend ci env -Default -WhatIf",
        ["Unregister-StackSecretBackend"] = "Unregister-StackSecretBackend team -WhatIf",
        ["New-ServiceConnector"] = "New-ServiceConnector other docker password -Configuration @{ username = 'u'; password = (S 'whatif-pw') } -SkipVerification -WhatIf",
        ["Set-ServiceConnector"] = "Set-ServiceConnector registry -Configuration @{ username = 'v' } -SkipVerification -WhatIf",
        ["Remove-ServiceConnector"] = "Get-ServiceConnector spare | Remove-ServiceConnector -WhatIf",
        ["Connect-ServiceConnector"] = "Connect-ServiceConnector registry -Path ./config.json -WhatIf",
        ["Connect-StackComponent"] = "Connect-StackComponent container_registry reg registry -WhatIf",
        ["Disconnect-StackComponent"] = "Disconnect-StackComponent container_registry linked -WhatIf",
        ["New-StackPipeline"] = "New-StackPipeline other ml/other -WhatIf",
        ["Set-StackPipeline"] = "Set-StackPipeline training -Require @{ orchestrator = 'local' } -RunConfiguration @{ epochs = 3 } -WhatIf",
        ["Remove-StackPipeline"] = "Remove-StackPipeline training -WhatIf",
        ["Publish-StackPipeline"] = "Publish-StackPipeline training 2.0.0 -WhatIf",
        ["Set-StackLifecycle"] = "Set-StackLifecycle -Stage @{ Name = 'only'; Stack = 'wdev' } -WhatIf",
        ["Invoke-StackPromotion"] = "Invoke-StackPromotion training 1.0.0 -To wstaging -WhatIf",
        ["Request-StackPromotion"] = "Request-StackPromotion training 1.0.0 -To wstaging -WhatIf",
        ["Approve-StackPromotion"] = "Approve-StackPromotion training 1.0.0 -To wstaging -WhatIf",
        ["Deny-StackPromotion"] = "Deny-StackPromotion training 1.0.0 -To wstaging -WhatIf",
        ["New-CloudStack"] = "New-CloudStack wcloud -Provider aws -Region eu-west-1 -Repository acme/ml -WhatIf",
        ["Register-StackIntegration"] = $"Register-StackIntegration '{TestIntegrations.Test("Alpha")}' -WhatIf",
        ["Unregister-StackIntegration"] = "Unregister-StackIntegration shell -WhatIf",
    };

    [Fact]
    public void EveryShouldProcessCmdletIsCovered()
    {
        var assembly = Assembly.LoadFrom(Path.Combine(PowerShellSession.ModuleFolder, "StackOps.PowerShell.dll"));
        var changing = assembly.GetTypes().Where(t => !ServerCmdletTests.WorksOnTheServer(t) && !EnvironmentCmdletTests.WorksOnGitHub(t) && !CloudStackCmdletTests.WorksWithTerraformOrAConnector(t)).Select(t => t.GetCustomAttribute<CmdletAttribute>()).OfType<CmdletAttribute>()
            .Where(a => a.SupportsShouldProcess).Select(a => $"{a.VerbName}-{a.NounName}").Order();
        Assert.Equal(changing, Scripts.Keys.Order());
    }

    [Fact]
    public void WhatIfChangesNoFile()
    {
        Arrange();
        var before = _ps.Snapshot();
        foreach (var (cmdlet, script) in Scripts)
        {
            var result = _ps.Run(script);
            Assert.True(result.Errors.Count == 0, $"{cmdlet}: {string.Join("; ", result.Errors)}");
            Assert.Empty(result.Output);
            Assert.Equal(before, _ps.Snapshot());
        }
    }

    /// <summary>-WhatIf runs the checks of the real call: what it would refuse, it refuses with the same error, and changes nothing.</summary>
    [Theory]
    [InlineData("Remove-StackComponent orchestrator mine", "ComponentInUse,StackOps.PowerShell.Commands.RemoveStackComponentCommand")]
    [InlineData("Remove-ServiceConnector registry", "ConnectorInUse,StackOps.PowerShell.Commands.RemoveServiceConnectorCommand")]
    [InlineData("Remove-StackSecret mlflow", "SecretInUse,StackOps.PowerShell.Commands.RemoveStackSecretCommand")]
    [InlineData("Remove-Stack default", "DefaultStackImmutable,StackOps.PowerShell.Commands.RemoveStackCommand")]
    [InlineData("Unregister-StackFlavor orchestrator local", "BuiltInFlavorImmutable,StackOps.PowerShell.Commands.UnregisterStackFlavorCommand")]
    public void WhatIfRefusesWhatTheRealCallRefuses(string script, string errorId)
    {
        Arrange();
        var before = _ps.Snapshot();
        _ps.Fails($"{script} -WhatIf", errorId);
        Assert.Equal(before, _ps.Snapshot());
        _ps.Fails($"{script} -Confirm:$false", errorId);
        Assert.Equal(before, _ps.Snapshot());
    }

    private void Arrange()
    {
        _registry.Push("whatif/wdev/ml/trainer", "1.0.0", "whatif layer");
        Ok("""
            New-StackComponent orchestrator mine local
            New-Stack dev -Orchestrator mine -ArtifactStore default
            Register-StackFlavor -Yaml "apiVersion: stackops.io/v1`nkind: Flavor`nmetadata: { name: custom, type: alerter }`nspec: { configuration: {} }`n"
            New-StackSecret aws -Value @{ access_key_id = (S 'whatif-aws') }
            New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_password = '{{ mlflow.password }}' }
            Set-Stack dev -ExperimentTracker mlflow
            Register-StackSecretBackend team env
            New-ServiceConnector registry docker password -Configuration @{ username = 'u'; password = (S 'whatif-pw') } -ResourceType docker-registry -ResourceId 127.0.0.1:1 -SkipVerification
            New-StackComponent container_registry reg default -Configuration @{ uri = '127.0.0.1:1/ml' }
            New-StackComponent container_registry linked default -Configuration @{ uri = '127.0.0.1:1/other' }
            Connect-StackComponent container_registry linked registry
            New-ServiceConnector real docker password -Configuration @{ username = $user; password = (S $password) } -ResourceType docker-registry -ResourceId $registryHost
            foreach ($stage in 'wdev', 'wstaging') {
                New-StackComponent container_registry "$stage-registry" default -Configuration @{ uri = "$registryHost/whatif/$stage" }
                Connect-StackComponent container_registry "$stage-registry" real
                New-Stack $stage -Orchestrator default -ArtifactStore default -ContainerRegistry "$stage-registry"
            }
            Set-StackLifecycle -Stage @{ Name = 'wdev'; Stack = 'wdev' }, @{ Name = 'wstaging'; Stack = 'wstaging'; Gates = @{ Approvals = @{ Count = 1 } } }
            New-StackPipeline training ml/trainer -Require @{ container_registry = $null }
            Publish-StackPipeline training 1.0.0
            New-StackSecret mlflow -Value @{ password = (S 'whatif-mlflow') }
            New-ServiceConnector spare docker password -Configuration @{ username = 'u'; password = (S 'whatif-pw') } -ResourceType docker-registry -ResourceId 127.0.0.1:1 -SkipVerification
            Register-StackIntegration $shell
            """, ("user", DockerRegistry.User), ("password", DockerRegistry.Password), ("registryHost", _registry.Host), ("shell", TestIntegrations.Shell));
    }
}
