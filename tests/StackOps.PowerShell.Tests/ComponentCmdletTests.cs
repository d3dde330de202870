using System.Collections;
using System.Management.Automation;

namespace StackOps.PowerShell.Tests;

public sealed class ComponentCmdletTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    [Fact]
    public void NewGetSetRenameCopyRemove()
    {
        var created = _ps.Ok("New-StackComponent artifact_store s3-dev s3 -Configuration @{ path = 's3://dev'; client_kwargs = @{ region_name = 'eu-west-1' } } -Label @{ team = 'ml' }").Single();
        Assert.Equal(("s3-dev", "ml"), (Prop(created, "Name"), ((IReadOnlyDictionary<string, string>)Prop(created, "Labels")!)["team"]));
        var component = _ps.Ok("Get-StackComponent s3-dev").Single();
        Assert.Equal(("artifact_store", "s3"), (Prop(component, "Type"), Prop(component, "Flavor")));
        var configuration = (IDictionary)Prop(component, "Configuration")!;
        Assert.Equal("s3://dev", configuration["path"]);
        Assert.Equal("eu-west-1", ((IDictionary)configuration["client_kwargs"]!)["region_name"]);
        Assert.Contains("region_name: eu-west-1", File.ReadAllText(Path.Combine(_ps.Home, "components", "artifact_store", "s3-dev.yaml")));

        var updated = _ps.Ok("Get-StackComponent s3-dev | Set-StackComponent -Configuration @{ path = 's3://dev2' } -RemoveKey client_kwargs -PassThru").Single();
        Assert.Equal("s3://dev2", ((IDictionary)Prop(updated, "Configuration")!)["path"]);
        Assert.False(((IDictionary)Prop(updated, "Configuration")!).Contains("client_kwargs"));

        Assert.Equal("s3-main", Prop(_ps.Ok("Rename-StackComponent artifact_store s3-dev s3-main -PassThru").Single(), "Name"));
        Assert.Equal("s3-copy", Prop(_ps.Ok("Copy-StackComponent artifact_store s3-main s3-copy -PassThru").Single(), "Name"));
        Assert.Empty(_ps.Ok("Get-StackComponent s3-* | Remove-StackComponent -Confirm:$false"));
        Assert.Empty(_ps.Ok("Get-StackComponent -Type artifact_store | Where-Object Name -ne 'default'"));
    }

    [Theory]
    [InlineData("@{ paht = 's3://x' }", "UnknownConfigurationKey")]
    [InlineData("@{ }", "MissingConfigurationKey")]
    [InlineData("@{ path = 42 }", "InvalidConfigurationValue")]
    public void ConfigurationErrorsHaveStableIdsAndChangeNothing(string configuration, string errorId)
    {
        var before = _ps.Snapshot();
        var error = _ps.Fails($"New-StackComponent artifact_store s3 s3 -Configuration {configuration}", $"{errorId},{Commands}.NewStackComponentCommand");
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void UnknownFlavorAndUnknownType()
    {
        _ps.Fails("New-StackComponent orchestrator x nomad", $"FlavorNotFound,{Commands}.NewStackComponentCommand");
        _ps.Fails("New-StackComponent spaceship x local", $"UnknownComponentType,{Commands}.NewStackComponentCommand");
    }

    [Fact]
    public void AComponentInUseCannotBeRemoved()
    {
        _ps.Ok("New-StackComponent orchestrator mine local; New-Stack dev -Orchestrator mine -ArtifactStore default");
        var error = _ps.Fails("Remove-StackComponent orchestrator mine -Confirm:$false", $"ComponentInUse,{Commands}.RemoveStackComponentCommand");
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal(("orchestrator", "mine"), (Prop(PSObject.AsPSObject(error.TargetObject), "Type"), Prop(PSObject.AsPSObject(error.TargetObject), "Name")));
        Assert.Contains("Free it first: Set-Stack dev -Orchestrator default.", error.Exception.Message);
        Assert.True(File.Exists(Path.Combine(_ps.Home, "components", "orchestrator", "mine.yaml")));
        _ps.Fails("Remove-StackComponent artifact_store default -Confirm:$false", $"DefaultComponentImmutable,{Commands}.RemoveStackComponentCommand");
    }

    [Fact]
    public void WhatIfChangesNothing()
    {
        _ps.Ok("New-StackComponent orchestrator mine local");
        var before = _ps.Snapshot();
        _ps.Ok("Set-StackComponent orchestrator mine -Label @{ a = 'b' } -WhatIf; Remove-StackComponent orchestrator mine -WhatIf; Rename-StackComponent orchestrator mine x -WhatIf; New-StackComponent orchestrator y local -WhatIf");
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void ASecureStringIsNeverStoredInConfiguration()
    {
        var error = _ps.Run("$s = [securestring]::new(); New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://x'; secret = $s }");
        Assert.NotEmpty(error.Errors);
        Assert.False(File.Exists(Path.Combine(_ps.Home, "components", "artifact_store", "s3.yaml")));
    }
}
