using System.Collections;
using System.Management.Automation;

namespace StackOps.PowerShell.Tests;

public sealed class FlavorAndInterchangeCmdletTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    private const string CustomFlavor = """
        apiVersion: stackops.io/v1
        kind: Flavor
        metadata:
          name: nomad
          type: orchestrator
        spec:
          description: Runs pipelines as Nomad jobs.
          requirements:
            components: [container_registry]
            rejectLocalComponents: true
          configuration:
            address:
              type: string
              required: true
            token:
              type: string
              secret: true
        """;

    [Fact]
    public void GetStackFlavorShowsTheSchema()
    {
        var s3 = _ps.Ok("Get-StackFlavor s3 -Type artifact_store").Single();
        var fields = ((IEnumerable)Prop(s3, "Configuration")!).Cast<object>().Select(f => PSObject.AsPSObject(f)).ToList();
        Assert.Contains(fields, f => (string)Prop(f, "Name")! == "path" && (bool)Prop(f, "Required")!);
        Assert.True(_ps.Ok("Get-StackFlavor -Type orchestrator").Count >= 9);
        _ps.Fails("Get-StackFlavor nomad -Type orchestrator", $"FlavorNotFound,{Commands}.GetStackFlavorCommand");
    }

    [Fact]
    public void AComponentGivesItsFlavorThroughThePipeline()
    {
        _ps.Ok("$null = New-StackComponent orchestrator k8s kubernetes -Configuration @{ kubernetes_context = 'staging' }");
        var flavor = _ps.Ok("Get-StackComponent k8s | Get-StackFlavor").Single();
        Assert.Equal(("kubernetes", "orchestrator"), (Prop(flavor, "Name"), Prop(flavor, "Type")));
    }

    [Fact]
    public void ACustomFlavorIsRegisteredValidatedAndCannotBeUnregisteredWhileUsed()
    {
        var file = Path.Combine(_ps.WorkingDirectory, "nomad.yaml");
        File.WriteAllText(file, CustomFlavor);
        var flavor = _ps.Ok($"Register-StackFlavor '{file}' -PassThru").Single();
        Assert.False((bool)Prop(flavor, "IsBuiltIn")!);
        Assert.True(File.Exists(Path.Combine(_ps.Home, "flavors", "orchestrator", "nomad.yaml")));

        _ps.Fails("New-StackComponent orchestrator n nomad", $"MissingConfigurationKey,{Commands}.NewStackComponentCommand");
        _ps.Ok("New-StackComponent orchestrator n nomad -Configuration @{ address = 'https://nomad:4646' }");
        _ps.Fails("New-Stack n -Orchestrator n -ArtifactStore default", $"RequiredComponentMissing,{Commands}.NewStackCommand");

        _ps.Fails("Unregister-StackFlavor orchestrator nomad -Confirm:$false", $"FlavorInUse,{Commands}.UnregisterStackFlavorCommand");
        _ps.Ok("Remove-StackComponent orchestrator n -Confirm:$false; Unregister-StackFlavor orchestrator nomad -Confirm:$false");
        Assert.False(File.Exists(Path.Combine(_ps.Home, "flavors", "orchestrator", "nomad.yaml")));
        _ps.Fails("Unregister-StackFlavor orchestrator kubernetes -Confirm:$false", $"BuiltInFlavorImmutable,{Commands}.UnregisterStackFlavorCommand");
    }

    [Fact]
    public void AFlavorDocumentWithABadFieldTypeIsRefused()
    {
        _ps.Fails("Register-StackFlavor -Yaml \"apiVersion: stackops.io/v1`nkind: Flavor`nmetadata: { name: x, type: alerter }`nspec:`n  configuration:`n    url: { type: url }`n\"",
            $"InvalidDocument,{Commands}.RegisterStackFlavorCommand");
        Assert.False(Directory.Exists(Path.Combine(_ps.Home, "flavors")));
    }

    private void RemoteStack()
    {
        _ps.Ok("""
            New-StackComponent orchestrator k8s kubernetes -Configuration @{ kubernetes_context = 'staging' }
            New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml/artifacts'; key = '{{ aws.access_key_id }}' }
            New-StackComponent container_registry reg default -Configuration @{ uri = 'registry.example.com/ml' }
            New-Stack staging -Orchestrator k8s -ArtifactStore s3 -ContainerRegistry reg
            """);
    }

    [Fact]
    public void ExportRemoveImportReproducesTheStack()
    {
        RemoteStack();
        var before = _ps.Snapshot();
        var file = Path.Combine(_ps.WorkingDirectory, "staging.yaml");
        _ps.Ok($"Export-Stack staging -Path '{file}'");
        Assert.Contains("{{ aws.access_key_id }}", File.ReadAllText(file));
        _ps.Fails($"Export-Stack staging -Path '{file}'", $"FileExists,{Commands}.ExportStackCommand");
        _ps.Ok("Remove-Stack staging -IncludeComponents -Confirm:$false");
        Assert.Single(_ps.Ok("Get-Stack"));
        var stack = _ps.Ok($"Import-Stack '{file}' -PassThru").Single();
        Assert.Equal("staging", Prop(stack, "Name"));
        Assert.Equal(before.Where(p => !p.Key.Contains("staging.yaml") || p.Key.Contains("stacks")), _ps.Snapshot().Where(p => !p.Key.Contains("staging.yaml") || p.Key.Contains("stacks")));
    }

    [Fact]
    public void ExportToThePipelineAndImportFromIt()
    {
        RemoteStack();
        Assert.Equal("copy", Prop(_ps.Ok("Export-Stack staging | Import-Stack -Name copy -PassThru").Single(), "Name"));
        _ps.Ok("$zenml = Export-Stack staging -Format ZenML; Set-StackComponent artifact_store s3 -Configuration @{ path = 's3://other' }");
        _ps.Fails("$zenml | Import-Stack -Name third", $"ComponentNameConflict,{Commands}.ImportStackCommand");
        Assert.Equal(["copy", "default", "staging"], _ps.Ok("Get-Stack").Select(o => (string)Prop(o, "Name")!).Order());
        _ps.Ok("$zenml | Import-Stack -Name third -ComponentNamePrefix new-");
        Assert.Equal("new-s3", ((IDictionary)Prop(_ps.Ok("Get-Stack third").Single(), "Components")!)["artifact_store"]);
        Assert.Equal("s3://ml/artifacts", ((IDictionary)Prop(_ps.Ok("Get-StackComponent new-s3").Single(), "Configuration")!)["path"]);
    }

    [Fact]
    public void ImportErrors()
    {
        var missing = Path.Combine(_ps.WorkingDirectory, "missing.yaml");
        File.WriteAllText(missing, "stack_name: s\ncomponents:\n  orchestrator: { flavor: local, name: default }\nzenml_version: 0.84.0\n");
        _ps.Fails($"Import-Stack '{missing}'", $"ArtifactStoreMissing,{Commands}.ImportStackCommand");
        File.WriteAllText(missing, "apiVersion: stackops.io/v1\nkind: Stack\nmetadata: { name: s }\nspec:\n  components: { orchestrator: ghost, artifact_store: default }\n");
        _ps.Fails($"Import-Stack '{missing}'", $"ImportComponentMissing,{Commands}.ImportStackCommand");
        _ps.Fails("Import-Stack -Yaml 'stack_name: [oops'", $"InvalidYaml,{Commands}.ImportStackCommand");
        _ps.Fails("Import-Stack -Yaml \"apiVersion: other/v9`nkind: Stack`nmetadata: { name: s }\"", $"UnsupportedDocument,{Commands}.ImportStackCommand");
        _ps.Fails("Import-Stack nowhere.yaml", $"FileNotFound,{Commands}.ImportStackCommand");
        Assert.Single(_ps.Ok("Get-Stack"));
    }
}
