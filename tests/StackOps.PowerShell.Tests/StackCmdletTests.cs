using System.Management.Automation;

namespace StackOps.PowerShell.Tests;

public sealed class StackCmdletTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    private void LocalStacks(params string[] names)
    {
        foreach (var name in names) _ps.Ok($"New-Stack '{name}' -Orchestrator default -ArtifactStore default");
    }

    [Fact]
    public void NewStackReturnsTheStackItCreated()
    {
        Assert.Equal("dev", Prop(_ps.Ok("New-Stack dev -Orchestrator default -ArtifactStore default -Label @{ team = 'ml' }").Single(), "Name"));
        var stack = _ps.Ok("New-Stack dev2 -Component @{ orchestrator = 'default'; ArtifactStore = 'default' }").Single();
        Assert.Equal("dev2", Prop(stack, "Name"));
        Assert.Equal(Path.Combine(_ps.Home, "stacks", "dev2.yaml"), Prop(stack, "Path"));
        Assert.True(File.Exists(Path.Combine(_ps.Home, "stacks", "dev.yaml")));
        Assert.Equal("ml", _ps.Ok("(Get-Stack dev).Labels['team']").Single().BaseObject);
    }

    [Fact]
    public void GetStackTakesArraysAndWildcards()
    {
        LocalStacks("alpha", "alpine", "beta");
        Assert.Equal(["alpha", "alpine"], _ps.Ok("Get-Stack al*").Select(o => Prop(o, "Name")));
        Assert.Equal(["alpha", "beta"], _ps.Ok("Get-Stack alpha, beta").Select(o => Prop(o, "Name")));
        Assert.Empty(_ps.Ok("Get-Stack zz*"));
        Assert.Equal(4, _ps.Ok("Get-Stack").Count);
    }

    [Fact]
    public void ANamedGetThatFindsNothingIsObjectNotFound()
    {
        var error = _ps.Fails("Get-Stack nope", $"StackNotFound,{Commands}.GetStackCommand");
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nope", error.TargetObject);
    }

    [Fact]
    public void PipelinesRemoveExactlyTheMatches()
    {
        LocalStacks("a1", "a2", "b1", "c1", "c2");
        Assert.Empty(_ps.Ok("Get-Stack a* | Remove-Stack -Confirm:$false"));
        Assert.Equal(["b1", "c1", "c2", "default"], _ps.Ok("Get-Stack").Select(o => (string)Prop(o, "Name")!).Order());
        _ps.Ok("'c1', 'c2' | Remove-Stack -Confirm:$false");
        Assert.Equal(["b1", "default"], _ps.Ok("Get-Stack").Select(o => (string)Prop(o, "Name")!).Order());
    }

    [Fact]
    public void WhatIfChangesNothing()
    {
        LocalStacks("keep");
        var before = _ps.Snapshot();
        _ps.Ok("Remove-Stack keep -WhatIf; Rename-Stack keep other -WhatIf; New-Stack x -Orchestrator default -ArtifactStore default -WhatIf; Set-ActiveStack keep -WhatIf; Copy-Stack keep copy -WhatIf");
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void TheDefaultStackIsImmutable()
    {
        _ps.Fails("Remove-Stack default -Confirm:$false", $"DefaultStackImmutable,{Commands}.RemoveStackCommand");
        var error = _ps.Fails("Set-Stack default -Orchestrator default", $"DefaultStackImmutable,{Commands}.SetStackCommand");
        Assert.True((bool)Prop(PSObject.AsPSObject(error.TargetObject), "IsDefault")!);
        _ps.Fails("Rename-Stack default other", $"DefaultStackImmutable,{Commands}.RenameStackCommand");
    }

    [Fact]
    public void TheActiveStackCannotBeRemovedAndGetActiveReturnsIt()
    {
        LocalStacks("dev");
        Assert.Empty(_ps.Ok("Set-ActiveStack dev"));
        Assert.Equal("dev", Prop(_ps.Ok("Get-Stack -Active").Single(), "Name"));
        var error = _ps.Fails("Remove-Stack dev -Confirm:$false", $"ActiveStackRemoval,{Commands}.RemoveStackCommand");
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal("dev", Prop(PSObject.AsPSObject(error.TargetObject), "Name"));
    }

    [Fact]
    public void TheEnvironmentVariableOverridesTheActiveStack()
    {
        LocalStacks("dev", "ci");
        _ps.Ok("Set-ActiveStack dev");
        Assert.Equal("ci", Prop(_ps.Ok("$env:STACKOPS_ACTIVE_STACK = 'ci'; Get-Stack -Active").Single(), "Name"));
        Environment.SetEnvironmentVariable("STACKOPS_ACTIVE_STACK", null);
    }

    [Fact]
    public void SetStackReplacesAndRemovesComponentTypes()
    {
        LocalStacks("dev");
        _ps.Ok("New-StackComponent experiment_tracker mlflow -Flavor mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com' }");
        var stack = _ps.Ok("Set-Stack dev -ExperimentTracker mlflow -PassThru").Single();
        Assert.Equal("mlflow", ((System.Collections.IDictionary)Prop(stack, "Components")!)["experiment_tracker"]);
        stack = _ps.Ok("Get-Stack dev | Set-Stack -RemoveComponent experiment_tracker -PassThru").Single();
        Assert.False(((System.Collections.IDictionary)Prop(stack, "Components")!).Contains("experiment_tracker"));
        _ps.Fails("Set-Stack dev -RemoveComponent orchestrator", $"OrchestratorMissing,{Commands}.SetStackCommand");
    }

    [Fact]
    public void RenameAndCopy()
    {
        LocalStacks("dev");
        Assert.Equal("development", Prop(_ps.Ok("Rename-Stack dev development -PassThru").Single(), "Name"));
        Assert.Equal("dev-copy", Prop(_ps.Ok("Copy-Stack development dev-copy -PassThru").Single(), "Name"));
        Assert.Equal(["default", "dev-copy", "development"], _ps.Ok("Get-Stack").Select(o => (string)Prop(o, "Name")!).Order());
        _ps.Fails("Copy-Stack development dev-copy", $"StackAlreadyExists,{Commands}.CopyStackCommand");
    }

    [Theory]
    [InlineData("'../evil'")]
    [InlineData("'a/b'")]
    [InlineData("'a\\b'")]
    [InlineData("\"line`nbreak\"")]
    public void BadNamesAreInvalidAndChangeNothing(string name)
    {
        var before = _ps.Snapshot();
        _ps.Fails($"New-Stack {name} -Orchestrator default -ArtifactStore default", $"InvalidName,{Commands}.NewStackCommand");
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void TestStackReportsFindingsAndQuietGivesABoolean()
    {
        _ps.Ok("New-StackComponent orchestrator k8s kubernetes; New-StackComponent container_registry reg default -Configuration @{ uri = 'registry.example.com/ml' }");
        _ps.Ok("New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://bucket' }");
        _ps.Ok("New-Stack remote -Orchestrator k8s -ArtifactStore s3 -ContainerRegistry reg");
        Assert.True((bool)_ps.Ok("Test-Stack remote -Quiet").Single().BaseObject);
        File.Delete(Path.Combine(_ps.Home, "components", "container_registry", "reg.yaml"));
        var result = _ps.Ok("Test-Stack remote").Single();
        Assert.False((bool)Prop(result, "IsValid")!);
        var codes = _ps.Ok("(Test-Stack remote).Findings | ForEach-Object Code").Select(o => (string)o.BaseObject).ToList();
        Assert.Contains("ComponentNotFound", codes);
        Assert.Equal(true, _ps.Ok("Test-Stack -Quiet").Single().BaseObject);
    }

    [Fact]
    public void ACorruptStackFileIsAnErrorNamingItWhileTheOthersAreListed()
    {
        LocalStacks("good");
        File.WriteAllText(Path.Combine(_ps.Home, "stacks", "bad.yaml"), "apiVersion: stackops.io/v1\nkind: Stack\nmetadata: [\n");
        var result = _ps.Run("Get-Stack");
        Assert.Equal(["default", "good"], result.Output.Select(o => (string)Prop(o, "Name")!).Order());
        var error = Assert.Single(result.Errors);
        Assert.Equal($"InvalidYaml,{Commands}.GetStackCommand", error.FullyQualifiedErrorId);
        Assert.Contains("bad.yaml", error.ToString());
    }
}
