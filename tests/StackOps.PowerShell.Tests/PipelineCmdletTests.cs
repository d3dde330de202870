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

    [Fact]
    public void SetStackPipelineChangesRequirementsAndRunConfigurationAndKeepsTheRest()
    {
        _ps.Ok("New-StackPipeline training ml/training -Require @{ container_registry = $null } -RunConfiguration @{ epochs = 3; learning_rate = 0.1 } -Label @{ team = 'ml' }");
        var version = Path.Combine(_ps.Home, "pipeline-versions", "training", "1.0.0.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(version)!);
        File.WriteAllText(version, "apiVersion: stackops.io/v1\nkind: PipelineVersion\nmetadata: { name: 1.0.0 }\nspec: { pipeline: training, imageDigest: 'sha256:00', publishedBy: me, publishedAt: '2026-01-01T00:00:00Z', stage: dev }\n");

        Assert.Empty(_ps.Ok("Set-StackPipeline training -Require @{ orchestrator = 'kubernetes', 'kubeflow'; ContainerRegistry = $null } -RunConfiguration @{ epochs = 20; learning_rate = $null }"));
        var pipeline = _ps.Ok("Get-StackPipeline training").Single();
        Assert.Equal(["container_registry ", "orchestrator kubernetes,kubeflow"],
            ((System.Collections.IEnumerable)Prop(pipeline, "Requirements")!).Cast<object>().Select(r => $"{Prop(PSObject.AsPSObject(r), "Type")} {string.Join(",", (IEnumerable<string>)Prop(PSObject.AsPSObject(r), "Flavors")!)}").Order());
        var run = (IReadOnlyDictionary<string, object?>)Prop(pipeline, "RunConfiguration")!;
        Assert.Equal(20L, run["epochs"]);
        Assert.False(run.ContainsKey("learning_rate"));
        Assert.Equal("ml/training", Prop(pipeline, "ImageRepository"));
        Assert.Equal("ml", ((IReadOnlyDictionary<string, string>)Prop(pipeline, "Labels")!)["team"]);
        Assert.True(File.Exists(version));
        Assert.Equal(["1.0.0"], _ps.Ok("Get-StackPipeline training -Versions").Select(v => (string)Prop(v, "Version")!));

        Assert.Equal("a new description", Prop(_ps.Ok("'training' | Set-StackPipeline -Description 'a new description' -PassThru").Single(), "Description"));
        _ps.Fails("Set-StackPipeline nope -Description x", $"PipelineNotFound,{Commands}.SetStackPipelineCommand");
        _ps.Fails("Set-StackPipeline training -Require @{ orchestra = 'local' }", $"UnknownComponentType,{Commands}.SetStackPipelineCommand");
    }
}
