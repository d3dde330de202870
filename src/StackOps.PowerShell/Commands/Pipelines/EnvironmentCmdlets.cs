using System.Management.Automation;
using StackOps.Core.Errors;
using StackOps.Core.GitHub;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>What Sync- and Test-StackEnvironment share: the repository, the token, the stage and the code owners.</summary>
public abstract class EnvironmentCmdlet : StoreCmdlet
{
    /// <summary>One stage's environment; every stage that names an environment by default.</summary>
    [Parameter(Position = 0), ArgumentCompleter(typeof(StageNameCompleter))]
    public string? Stage { get; set; }

    /// <summary>OWNER/NAME; $env:GITHUB_REPOSITORY by default (set in a job).</summary>
    [Parameter]
    public string? Repository { get; set; }

    /// <summary>A token that may administer the repository's environments and secrets; $env:GITHUB_TOKEN or $env:GH_TOKEN by default.</summary>
    [Parameter]
    public System.Security.SecureString? GitHubToken { get; set; }

    /// <summary>Who must review changes to connectors, the lifecycle and protected stages (@ORG/TEAM, @USER): the CODEOWNERS block is checked too.</summary>
    [Parameter]
    public string[]? CodeOwner { get; set; }

    protected GitHubRepository TargetRepository =>
        (Repository ?? Environment.GetEnvironmentVariable("GITHUB_REPOSITORY")) is { Length: > 0 } named ? GitHubRepository.Parse(named)
            : throw new StackOpsException("GitHubRepositoryMissing", ErrorKind.InvalidArgument, "Which repository? Give -Repository OWNER/NAME (a job sets $env:GITHUB_REPOSITORY).");

    protected EnvironmentSync Sync() => Engine.EnvironmentSync(GitHubApiFor(GitHubToken), TargetRepository);
}

/// <summary>
/// Reports every way the repository's GitHub environments differ from the lifecycle (reviewers,
/// self-review, deployment refs, wait timer, missing secrets) and, with -CodeOwner, the CODEOWNERS
/// block; each drift has its own id. Nothing is changed.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "StackEnvironment")]
[OutputType(typeof(EnvironmentDrift), typeof(bool))]
public sealed class TestStackEnvironmentCommand : EnvironmentCmdlet
{
    /// <summary>Returns only $true (everything matches) or $false.</summary>
    [Parameter] public SwitchParameter Quiet { get; set; }

    protected override void Process() => Try(Stage, () =>
    {
        var drifts = Sync().Test(Stage).ToList();
        if (CodeOwner is { Length: > 0 } && CodeOwners.Drift(Engine, CodeOwner) is { } codeOwners) drifts.Add(codeOwners);
        foreach (var drift in drifts) WriteVerbose($"{drift.Id}: {drift}");
        if (Quiet) WriteObject(drifts.Count == 0);
        else WriteObject(drifts, enumerateCollection: true);
    });
}

/// <summary>
/// Makes the repository's GitHub environments match the lifecycle: required reviewers, prevent
/// self-review, deployment branch and tag policies, the wait timer and the secrets each stage's
/// stack needs (sealed with the environment's public key, never printed); with -CodeOwner, the
/// CODEOWNERS block. Only what differs is changed; -WhatIf lists the differences.
/// </summary>
[Cmdlet(VerbsData.Sync, "StackEnvironment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(EnvironmentDrift))]
public sealed class SyncStackEnvironmentCommand : EnvironmentCmdlet
{
    protected override void Process() => Try(Stage, () =>
    {
        var repository = TargetRepository;
        WriteObject(Sync().Apply(Stage, (environment, change) => ShouldProcess($"the environment '{environment}' of {repository}", change)), enumerateCollection: true);
        if (CodeOwner is not { Length: > 0 } || CodeOwners.Drift(Engine, CodeOwner) is not { } codeOwners) return;
        if (!ShouldProcess(codeOwners.Setting, $"Write the rules for {string.Join(" ", CodeOwner)}")) return;
        WriteVerbose($"Wrote {CodeOwners.Apply(Engine, CodeOwner)}.");
        WriteObject(codeOwners);
    });
}
