using System.Management.Automation;
using System.Text.RegularExpressions;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// The hints in error messages: every command a message of the engine or the cmdlets names exists
/// with the parameters it is given, and in the situations below the command the error suggests is
/// run and does what the error said it would.
/// </summary>
public sealed partial class HintTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();

    public HintTests() => _ps.Ok(SecretCmdletTests.SecureHelper + """

        $null = New-StackComponent orchestrator k8s kubernetes -Configuration @{ kubernetes_context = 'staging' }
        $null = New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml/artifacts' }
        $null = New-StackComponent container_registry ecr aws -Configuration @{ uri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com' }
        $null = New-StackComponent orchestrator mine local
        $null = New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com' }
        $null = New-Stack staging -Orchestrator k8s -ArtifactStore s3 -ContainerRegistry ecr
        $null = New-Stack dev -Orchestrator mine -ArtifactStore default -ExperimentTracker mlflow
        $null = New-Stack qa -Orchestrator mine -ArtifactStore default
        """);

    public void Dispose() => _ps.Dispose();

    /// <summary>
    /// A command that fails, the error it must fail with, the pattern of the command its message suggests, and
    /// what must work once the suggestion has run (it runs first, and must succeed).
    /// </summary>
    public static TheoryData<string, string, string, string> Suggestions => new()
    {
        // A required component: another one of its type that the stacks accept.
        { "Remove-StackComponent orchestrator mine", "ComponentInUse,{0}.RemoveStackComponentCommand", @"Free it first: (?<command>Set-Stack dev, qa -Orchestrator default)\.", "Remove-StackComponent orchestrator mine" },
        // An optional one: out of the stack.
        { "Remove-StackComponent experiment_tracker mlflow", "ComponentInUse,{0}.RemoveStackComponentCommand", @"Free it first: (?<command>Set-Stack dev -RemoveComponent experiment_tracker)\.", "Remove-StackComponent experiment_tracker mlflow" },
        // A remote orchestrator needs a registry, and no other fits: the stack goes.
        { "Remove-StackComponent container_registry ecr", "ComponentInUse,{0}.RemoveStackComponentCommand", @"Free it first: (?<command>Remove-Stack staging)\.", "Remove-StackComponent container_registry ecr" },
        { "Get-StackFlavor kubernetes", "AmbiguousName,{0}.GetStackFlavorCommand", @"Say which with -Type: (?<command>Get-StackFlavor kubernetes -Type orchestrator)\.", "Get-StackFlavor kubernetes -Type orchestrator" },
        { "$env:CI = 'true'; New-StackSecret token -Key value", "SecretValueMissing,{0}.NewStackSecretCommand", @"instead: (?<command>New-StackSecret token -Value @\{ value = \$secure \})\.", "Get-StackSecret token" },
    };

    [Theory]
    [MemberData(nameof(Suggestions))]
    public void TheCommandAnErrorSuggestsWorks(string failing, string errorId, string suggestion, string then)
    {
        _ps.Ok("$ConfirmPreference = 'None'");
        var error = _ps.Fails(failing, string.Format(errorId, Commands));
        var match = Regex.Match(error.ErrorDetails.Message, suggestion);
        Assert.True(match.Success, error.ErrorDetails.Message);
        _ps.Ok("$secure = S 'a-value-given-securely'; " + match.Groups["command"].Value);
        _ps.Ok(then);
    }

    /// <summary>Commands of other modules that messages name (they are not loaded here), with the parameters the messages give them.</summary>
    private static readonly Dictionary<string, string[]> OtherModules = new()
    {
        ["Set-Secret"] = ["Vault"], ["Read-Host"] = ["AsSecureString"], ["ConvertTo-SecureString"] = [],
    };

    [Fact]
    public void EveryCommandAMessageNamesHasTheParametersItIsGiven()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(PowerShellSession.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));
        var seen = 0;
        var problems = new List<string>();
        foreach (var file in sources)
            foreach (Match literal in StringLiteral().Matches(File.ReadAllText(file)))
                foreach (Match mention in Mention().Matches(literal.Value))
                {
                    var command = mention.Groups["command"].Value;
                    // A hashtable or a subexpression in the arguments holds values, whose commands are mentions of their own.
                    var arguments = Regex.Replace(mention.Groups["arguments"].Value, @"@\{\{[^}]*\}\}|\([^)]*\)", "");
                    var parameters = Parameter().Matches(arguments).Select(m => m.Groups[1].Value).ToList();
                    seen++;
                    if (OtherModules.TryGetValue(command, out var known))
                    {
                        problems.AddRange(parameters.Where(p => !known.Contains(p)).Select(p => $"{Path.GetFileName(file)}: {command} -{p}"));
                        continue;
                    }
                    var names = _ps.Run($"(Get-Command '{command}' -ErrorAction SilentlyContinue).Parameters.Values | ForEach-Object {{ $_.Name; $_.Aliases }}")
                        .Output.Select(o => (string)o.BaseObject).ToHashSet(StringComparer.OrdinalIgnoreCase);
                    if (names.Count == 0 && (command.Contains("-Stack", StringComparison.Ordinal) || command.Contains("-ServiceConnector", StringComparison.Ordinal)))
                        problems.Add($"{Path.GetFileName(file)}: {command} is not a command");
                    else if (names.Count > 0)
                        problems.AddRange(parameters.Where(p => !names.Contains(p)).Select(p => $"{Path.GetFileName(file)}: {command} has no parameter -{p} ({mention.Value})"));
                }
        Assert.True(seen > 80, $"only {seen} commands named in messages");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>A C# string literal on one line (regular or interpolated).</summary>
    [GeneratedRegex(@"\$*""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    /// <summary>A command and what follows it up to the end of its clause: arguments, placeholders, parameters.</summary>
    [GeneratedRegex("""\b(?<command>(?:Add|Approve|Clear|Connect|ConvertTo|Copy|Deny|Disconnect|Export|Get|Import|Initialize|Invoke|New|Publish|Read|Register|Remove|Rename|Request|Resolve|Set|Test|Unregister)-[A-Z][A-Za-z]+)(?<arguments>(?:[ ]+(?:-[A-Za-z]+|@\{\{[^}]*\}\}|\{[^{}]*\}|'[^']*'|<[^>]*>|[^\s,;:()"'\-][^\s,;()"']*))*)""")]
    private static partial Regex Mention();

    [GeneratedRegex(@"(?<=\s)-([A-Za-z]+)\b")]
    private static partial Regex Parameter();
}
