using System.Management.Automation;

namespace StackOps.PowerShell.Tests;

/// <summary>Set-StackLifecycle and the pipeline cmdlets that need no registry.</summary>
public sealed class PipelineCmdletTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();

    public PipelineCmdletTests() =>
        _ps.Ok("foreach ($stage in 'dev', 'staging', 'production') { $null = New-Stack $stage -Orchestrator default -ArtifactStore default }");

    public void Dispose() => _ps.Dispose();

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    [Fact]
    public void OneHashtableOrOneStringStandsForAListOfOne()
    {
        _ps.Ok("""
            Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' },
                @{ Name = 'production'; Stack = 'production'; Gates = @{
                    Approvals = @{ Count = 1; From = 'alice@example.com' }; AllowedRefs = 'refs/tags/v*'
                    FreezeWindows = @{ Name = 'weekend'; Days = 'Saturday', 'Sunday'; TimeZone = 'Europe/Paris' } } }
            """);
        var gates = PSObject.AsPSObject(Prop(_ps.Ok("Get-StackLifecycle").Last(), "Gates")!);
        Assert.Equal(["refs/tags/v*"], ((IEnumerable<string>)Prop(gates, "AllowedRefs")!).ToArray());
        Assert.Equal("weekend", _ps.Ok("(Get-StackLifecycle)[1].Gates.FreezeWindows[0].Name").Single().BaseObject);
        Assert.Equal("alice@example.com", _ps.Ok("(Get-StackLifecycle)[1].Gates.Approvals.Approvers[0]").Single().BaseObject);
    }

    [Fact]
    public void AWrongStageValueNamesTheParameterAndTheKey()
    {
        var error = _ps.Fails("Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' }, @{ Name = 'production'; Stack = 'production'; Gates = @{ FreezeWindows = @{ Name = 'weekend'; Days = 'Caturday' } } }",
            $"InvalidConfigurationValue,{Commands}.SetStackLifecycleCommand");
        Assert.Equal("The value of -Stage[1].Gates.FreezeWindows[0].Days is not valid: 'Caturday' is not a day of the week.", error.ErrorDetails.Message);
        var typo = _ps.Fails("Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev'; Gate = @{ SoakTime = '1h' } }", $"InvalidConfigurationValue,{Commands}.SetStackLifecycleCommand");
        Assert.StartsWith("The value of -Stage[0].Gate is not valid: 'Gate' is not a key here (the keys are Name, Stack, Environment, EnvironmentUrl, Gates)", typo.ErrorDetails.Message);
        _ps.Fails("Get-StackLifecycle", $"LifecycleMissing,{Commands}.GetStackLifecycleCommand");
    }
}
