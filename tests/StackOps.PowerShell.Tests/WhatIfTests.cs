using System.Management.Automation;
using System.Reflection;

namespace StackOps.PowerShell.Tests;

/// <summary>Every state-changing cmdlet asks ShouldProcess: with -WhatIf, no file of any store changes.</summary>
public sealed class WhatIfTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public WhatIfTests() => _ps.Ok(SecretCmdletTests.SecureHelper);

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
        ["Remove-StackComponent"] = "Get-StackComponent mine | Remove-StackComponent -WhatIf",
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
        ["Remove-ServiceConnector"] = "Get-ServiceConnector registry | Remove-ServiceConnector -WhatIf",
        ["Connect-ServiceConnector"] = "Connect-ServiceConnector registry -Path ./config.json -WhatIf",
        ["Connect-StackComponent"] = "Connect-StackComponent container_registry reg registry -WhatIf",
        ["Disconnect-StackComponent"] = "Disconnect-StackComponent container_registry linked -WhatIf",
    };

    [Fact]
    public void EveryShouldProcessCmdletIsCovered()
    {
        var assembly = Assembly.LoadFrom(Path.Combine(PowerShellSession.RepositoryRoot, "out", "StackOps", "StackOps.PowerShell.dll"));
        var changing = assembly.GetTypes().Select(t => t.GetCustomAttribute<CmdletAttribute>()).OfType<CmdletAttribute>()
            .Where(a => a.SupportsShouldProcess).Select(a => $"{a.VerbName}-{a.NounName}").Order();
        Assert.Equal(changing, Scripts.Keys.Order());
    }

    [Fact]
    public void WhatIfChangesNoFile()
    {
        _ps.Ok("""
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
            """);
        var before = _ps.Snapshot();
        foreach (var (cmdlet, script) in Scripts)
        {
            var result = _ps.Run(script);
            Assert.True(result.Errors.Count == 0, $"{cmdlet}: {string.Join("; ", result.Errors)}");
            Assert.Empty(result.Output);
            Assert.Equal(before, _ps.Snapshot());
        }
    }
}
