using StackOps.Tests.Shared;
using Xunit.Abstractions;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// Hostile input through the cmdlets. What could end a process (a structure that contains itself,
/// a recursive alias, endless nesting, a device) runs in a worker process with a time limit.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    private ChildResult RunInWorker(string script, TimeSpan limit)
    {
        var file = Path.Combine(_ps.Root, $"{Guid.NewGuid():N}.ps1");
        File.WriteAllText(file, script);
        var result = ChildProcess.Run(limit, "script", file).Succeeded();
        output.WriteLine(result.Output);
        Assert.Contains("done", result.Lines);
        return result;
    }

    private static readonly string BillionLaughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" +
        string.Join("\n", Enumerable.Range(1, 9).Select(i => $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]"));

    public static TheoryData<string, string> CrashingScripts => new()
    {
        { "$h = @{ a = 1 }; $h.self = $h; New-StackComponent orchestrator x local -Configuration $h", $"InvalidConfigurationValue,{Commands}.NewStackComponentCommand" },
        { "$l = [System.Collections.ArrayList]::new(); $null = $l.Add($l); New-StackComponent orchestrator x local -Configuration @{ a = $l }", $"InvalidConfigurationValue,{Commands}.NewStackComponentCommand" },
        { "$h = @{ a = 1 }; $h.self = $h; New-Stack s -Orchestrator default -ArtifactStore default -Label $h", $"InvalidConfigurationValue,{Commands}.NewStackCommand" },
        { "Import-Stack -Yaml 'x: &r [ *r ]'", $"InvalidYaml,{Commands}.ImportStackCommand" },
        { "Import-Stack -Yaml ('[' * 200000)", $"InvalidYaml,{Commands}.ImportStackCommand" },
        { "Import-Stack -Path /dev/zero", $"InvalidYaml,{Commands}.ImportStackCommand" },
        { $"Register-StackFlavor -Yaml '{BillionLaughs}'", $"InvalidYaml,{Commands}.RegisterStackFlavorCommand" },
        { "New-StackComponent orchestrator o local; [IO.File]::AppendAllText(\"$env:STACKOPS_HOME/components/orchestrator/o.yaml\", \"  x: &r [ *r ]`n\"); Set-StackComponent orchestrator o -Configuration @{ y = 1 }; Get-StackComponent", $"InvalidYaml,{Commands}.GetStackComponentCommand" },
    };

    [Theory]
    [MemberData(nameof(CrashingScripts))]
    public void InputThatUsedToEndTheProcessIsAStackOpsError(string script, string errorId)
    {
        var result = RunInWorker(script, TimeSpan.FromMinutes(1));
        Assert.Contains(result.Lines, line => line.StartsWith($"error {errorId} StackOps.Core.Errors.StackOpsException", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Lines, line => line.StartsWith("error ") && !line.Contains("StackOps.Core.Errors.StackOpsException"));
    }

    [Fact]
    public void EveryCmdletGivenHostileArgumentsFailsWithStackOpsErrorsOnly()
    {
        var script = File.ReadAllText(Path.Combine(PowerShellSession.RepositoryRoot, "tests", "StackOps.PowerShell.Tests", "HostileArguments.ps1"));
        var result = RunInWorker(script, TimeSpan.FromMinutes(10));
        var invocations = int.Parse(result.Lines.Single(l => l.StartsWith("output invocations ")).Split(' ')[2]);
        Assert.True(invocations > 1000, $"only {invocations} invocations");
        Assert.DoesNotContain(result.Lines, l => l.StartsWith("output escape "));
    }

    [Fact]
    public void ABracketThatIsNotAWildcardIsAnErrorAboutThatName()
    {
        var error = _ps.Fails("Get-Stack '[abc'", $"InvalidWildcardPattern,{Commands}.GetStackCommand");
        Assert.Equal("[abc", error.TargetObject);
        Assert.Contains("backtick", error.ErrorDetails.Message);
        Assert.Empty(_ps.Ok("Get-Stack '`[abc*'"));
    }

    [Fact]
    public void ValuesThatAreNotDataAreRefusedWithTheirKey()
    {
        var error = _ps.Fails("New-StackComponent orchestrator x local -Configuration @{ nested = @{ code = { Remove-Item / } } }", $"InvalidConfigurationValue,{Commands}.NewStackComponentCommand");
        Assert.Contains("'nested.code'", error.ErrorDetails.Message);
        Assert.Contains("script block", error.ErrorDetails.Message);
        _ps.Fails("New-StackComponent orchestrator x local -Configuration @{ file = [IO.FileInfo]'/etc/passwd' }", $"InvalidConfigurationValue,{Commands}.NewStackComponentCommand");
        Assert.Empty(Directory.EnumerateFiles(_ps.Home, "*.yaml", SearchOption.AllDirectories));
        _ps.Ok("New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://b'; client_kwargs = [pscustomobject]@{ region_name = 'eu-west-1'; retries = 3 } } -Label @{ since = [datetime]'2030-01-02' }");
        var document = File.ReadAllText(Path.Combine(_ps.Home, "components", "artifact_store", "s3.yaml"));
        Assert.Contains("region_name: eu-west-1", document);
        Assert.Contains("retries: 3", document);
        Assert.Contains("since: 2030-01-02T00:00:00", document);
    }

    [Fact]
    public void ANameTooLongForAFileIsInvalidNameNotAPathError()
    {
        _ps.Fails($"New-Stack {new string('a', 255)} -Orchestrator default -ArtifactStore default", $"InvalidName,{Commands}.NewStackCommand");
        _ps.Fails("New-Stack .shadow -Orchestrator default -ArtifactStore default", $"InvalidName,{Commands}.NewStackCommand");
    }

    [Fact]
    public void AFolderOrAMissingFileGivenAsPathIsAClearError()
    {
        _ps.Fails($"Import-Stack -Path '{_ps.WorkingDirectory}'", $"InvalidYaml,{Commands}.ImportStackCommand");
        _ps.Fails("Import-Stack -Path ./missing.yaml", $"FileNotFound,{Commands}.ImportStackCommand");
        _ps.Fails("Import-Stack -Path 'Env:PATH'", $"FileNotFound,{Commands}.ImportStackCommand");
    }

    [Fact]
    public void AHomeThatIsAFileIsAClearErrorNotAnEmptyStore()
    {
        var file = Path.Combine(_ps.Root, "home-file");
        File.WriteAllText(file, "");
        var error = _ps.Fails($"$env:STACKOPS_HOME = '{file}'; Get-Stack", $"StoreUnusable,{Commands}.GetStackCommand");
        Assert.Contains(file, error.ErrorDetails.Message);
    }

    [Fact]
    public void AnUnreadablePromotionRecordIsReportedNotDropped()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_ps.Home, "promotions")).FullName;
        File.WriteAllText(Path.Combine(folder, "broken.yaml"), "apiVersion: stackops.io/v1\nkind: Promotion\nmetadata: { name: broken }\nspec: [oops\n");

        var result = _ps.Run("Get-StackPromotion");

        Assert.Equal($"InvalidYaml,{Commands}.GetStackPromotionCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Matches(@"broken\.yaml, line \d+, column \d+: ", result.Errors[0].ErrorDetails.Message);
    }
}
