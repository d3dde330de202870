namespace StackOps.PowerShell.Tests;

/// <summary>Keeps examples/quickstart.ps1 true: runs it in the hosted engine and checks the store it leaves.</summary>
public sealed class QuickstartTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void TheQuickstartBuildsValidatesExportsAndReimports()
    {
        var store = Path.Combine(_ps.Root, "quickstart-store");
        Directory.CreateDirectory(store);
        var script = Path.Combine(PowerShellSession.RepositoryRoot, "examples", "quickstart.ps1");
        // Display-only stand-ins: the hosted engine has no Utility module.
        var result = _ps.Run($$"""
            function Write-Host { param([Parameter(ValueFromRemainingArguments)] $Text) }
            function Format-Table { param([Parameter(ValueFromPipeline)] $InputObject) process { } }
            function ConvertTo-SecureString { param([string] $String, [switch] $AsPlainText, [switch] $Force) [System.Net.NetworkCredential]::new('', $String).SecurePassword }
            function Push-Location { param([string] $Path) $ExecutionContext.SessionState.Path.PushCurrentLocation(''); $null = $ExecutionContext.SessionState.Path.SetLocation($Path) }
            function Pop-Location { $null = $ExecutionContext.SessionState.Path.PopLocation('') }
            & '{{script}}' -ModulePath '{{PowerShellSession.ModuleManifest}}' -StorePath '{{store}}'
            """);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));

        foreach (var file in new[] { "stacks/dev.yaml", "stacks/staging.yaml", "components/orchestrator/k8s-staging.yaml",
                     "components/artifact_store/s3-staging.yaml", "components/container_registry/ecr-staging.yaml", "staging.export.yaml" })
            Assert.True(File.Exists(Path.Combine(store, file)), file);
        Assert.Contains("key: '{{ aws_staging.access_key_id }}'", File.ReadAllText(Path.Combine(store, "components/artifact_store/s3-staging.yaml")));
        Assert.True(File.Exists(Path.Combine(store, "secrets/aws_staging.secret")));
        Assert.DoesNotContain(Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains("AKIAQUICKSTARTEXAMPLE"));
        Assert.Contains("container_registry: ecr-staging", File.ReadAllText(Path.Combine(store, "stacks/staging.yaml")));
        Assert.Contains("dev", File.ReadAllText(Path.Combine(store, "state/active-stacks.yaml")));
    }
}
