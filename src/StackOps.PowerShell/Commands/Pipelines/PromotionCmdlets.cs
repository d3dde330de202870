using System.Management.Automation;
using StackOps.Core.Errors;
using StackOps.Core.Pipelines;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>A cmdlet about one promotion of a pipeline version into a stage.</summary>
public abstract class PromotionCmdlet : StoreCmdlet
{
    protected const string BySubject = "BySubject";

    [Parameter(ParameterSetName = BySubject, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string Pipeline { get; set; } = "";

    [Parameter(ParameterSetName = BySubject, Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Version { get; set; } = "";

    /// <summary>The target stage.</summary>
    [Parameter(ParameterSetName = BySubject, Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StageNameCompleter))]
    public string To { get; set; } = "";

    [Parameter] public string? Comment { get; set; }

    /// <summary>Writes a line the user sees, as Write-Host does (masked like every message).</summary>
    protected void Tell(string message) =>
        WriteInformation(new HostInformationMessage { Message = Core.Secrets.SecretMasker.Shared.Apply(message) }, ["PSHOST"]);
}

/// <summary>
/// Promotes a pipeline version into the next stage: every check and gate, the image copied between
/// the stacks' registries, an optional run step, and the stage's current version moved only when
/// all pass. -WhatIf shows the plan and changes nothing.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "StackPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BySubject)]
[OutputType(typeof(PromotionRecord))]
public sealed class InvokeStackPromotionCommand : PromotionCmdlet
{
    /// <summary>The source stage; the one before the target by default (skipping a stage is refused).</summary>
    [Parameter, ArgumentCompleter(typeof(StageNameCompleter))]
    public string? From { get; set; }

    /// <summary>A script block (or command) run on the target with its resolved configuration in STACKOPS_* environment variables; its failure fails the promotion.</summary>
    [Parameter] public ScriptBlock? Run { get; set; }

    protected override void Process()
    {
        var target = $"{Pipeline} {Version} → {To}";
        if (!ShouldProcess(target, "Promote pipeline version"))
        {
            if (MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                Try(target, () =>
                {
                    foreach (var step in Engine.Promotions.Plan(Pipeline, Version, To, From))
                        Tell($"What if: {step.Name,-14} {step.Outcome.ToString().ToLowerInvariant(),-7} {step.Message}");
                });
            return;
        }
        Try(target, () =>
        {
            var outcome = Engine.Promotions.Invoke(Pipeline, Version, To, From, Run is null ? null : RunStep, Comment);
            if (outcome.Reason == "already-current") Tell($"{Pipeline} {Version} is already current on '{To}': nothing to do.");
            foreach (var step in outcome.Record.Steps) WriteVerbose($"{step.Name}: {step.Outcome.ToString().ToLowerInvariant()}: {step.Message}");
            if (outcome.Record.FailedStep is { } failed && !outcome.Promoted && outcome.Reason != "already-current")
                WriteError(ToErrorRecord(new StackOpsException(PromotionService.ErrorIdOf(failed), ErrorKind.InvalidOperation,
                    $"The promotion of {Pipeline} {Version} to '{To}' failed at the {failed.Name} step, and '{To}' keeps its current version: {failed.Message}", outcome.Record), outcome.Record));
            if (outcome.Promoted) WriteObject(outcome.Record);
        });
    }

    private RunResult RunStep(RunContext context) => RunSteps.Invoke(Run!, context, new RunOutput(Tell, WriteWarning, WriteVerbose, WriteDebug));
}

/// <summary>
/// Where the run step's streams go, as they come: text (output, Write-Host, a native command's stdout and stderr),
/// warnings, verbose and debug messages. Each adapter masks what it prints.
/// </summary>
internal sealed record RunOutput(Action<string> Text, Action<string> Warning, Action<string> Verbose, Action<string> Debug);

/// <summary>The run step of a promotion, in PowerShell: a script block in a nested pipeline, with the target's environment.</summary>
internal static class RunSteps
{
    /// <summary>
    /// The block with every stream merged into its output (*&gt;&amp;1), so that nothing reaches the host before
    /// it is masked (a native command's stderr too); information without a host tag (Write-Information) only
    /// when $InformationPreference shows it, as without the merge. Write-Host is wrapped: PowerShell writes its
    /// record to a transcript even when redirected, so the wrapper takes it with -InformationAction Ignore and
    /// passes it on untagged, for the adapter to mask. Run in a scope of its own (the wrapper and the
    /// variables go with it), and without a param block, which would stop a transcript for the rest of the command.
    /// </summary>
    private const string Script = """
        $global:LASTEXITCODE = 0
        $informationShown = $InformationPreference -in 'Continue', 'Inquire'
        function Write-Host {
            [CmdletBinding()]
            param(
                [Parameter(Position = 0, ValueFromPipeline = $true, ValueFromRemainingArguments = $true)] [object] $Object,
                [switch] $NoNewline, [object] $Separator, [System.ConsoleColor] $ForegroundColor, [System.ConsoleColor] $BackgroundColor)
            process {
                $null = $PSBoundParameters.Remove('InformationAction'), $PSBoundParameters.Remove('InformationVariable')
                Microsoft.PowerShell.Utility\Write-Host @PSBoundParameters -InformationAction Ignore -InformationVariable written
                $InformationPreference = 'SilentlyContinue'
                foreach ($record in $written) { $PSCmdlet.WriteInformation($record.MessageData, [string[]] 'StackOps.RunHost') }
            }
        }
        & $args[0] *>&1 | Where-Object { $informationShown -or $_ -isnot [System.Management.Automation.InformationRecord] -or $_.Tags -contains 'PSHOST' -or $_.Tags -contains 'StackOps.RunHost' }
        if ($global:LASTEXITCODE) { throw "The run step exited with code $global:LASTEXITCODE." }
        """;

    /// <summary>Runs the block with the environment set for its duration; each record goes to <paramref name="output"/> as the block writes it.</summary>
    public static RunResult Invoke(ScriptBlock block, RunContext context, RunOutput output)
    {
        var saved = context.Environment.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (name, value) in context.Environment) Environment.SetEnvironmentVariable(name, value);
        try
        {
            using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddScript(Script, useLocalScope: true).AddArgument(block);
            var errors = new List<string>();
            using var records = new PSDataCollection<PSObject>();
            records.DataAdded += (_, _) =>
            {
                foreach (var record in records.ReadAll()) Route(record, output, errors);
            };
            shell.Invoke(null, records);
            return errors.Count == 0 ? new RunResult(true, $"the run step succeeded on stack '{context.Stack}'")
                : new RunResult(false, $"the run step wrote {errors.Count} error(s): {string.Join(" ", errors)}");
        }
        catch (RuntimeException e)
        {
            return new RunResult(false, $"the run step failed: {e.Message}");
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>A record of the merged streams to its place; PowerShell errors are collected for the result, a native command's stderr is text.</summary>
    private static void Route(PSObject? record, RunOutput output, List<string> errors)
    {
        switch (record?.BaseObject)
        {
            case WarningRecord warning: output.Warning(warning.Message); break;
            case VerboseRecord verbose: output.Verbose(verbose.Message); break;
            case DebugRecord debug: output.Debug(debug.Message); break;
            case InformationRecord information: output.Text(information.MessageData?.ToString() ?? ""); break;
            case ErrorRecord { FullyQualifiedErrorId: "NativeCommandError" or "NativeCommandErrorMessage" } stderr: output.Text(stderr.ToString()); break;
            case ErrorRecord error: errors.Add(error.ToString()); break;
            default: output.Text(record?.ToString() ?? ""); break;
        }
    }
}

/// <summary>Requests a promotion into a stage whose gate needs approvals: it waits, pending, for Approve-StackPromotion.</summary>
[Cmdlet(VerbsLifecycle.Request, "StackPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = BySubject)]
[OutputType(typeof(PromotionRecord))]
public sealed class RequestStackPromotionCommand : PromotionCmdlet
{
    [Parameter, ArgumentCompleter(typeof(StageNameCompleter))]
    public string? From { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess($"{Pipeline} {Version} → {To}", "Request promotion")) return;
        Try(To, () => WriteObject(Engine.Promotions.Request(Pipeline, Version, To, From, Comment)));
    }
}

/// <summary>
/// Approve-StackPromotion and Deny-StackPromotion: a decision by the current identity on a pending
/// promotion of the store, or (with -GitHubRepository and -RunId) a review of a workflow run that
/// waits for its environments' approval.
/// </summary>
public abstract class PromotionDecisionCmdlet : PromotionCmdlet
{
    protected const string ById = "ById", ByRun = "ByGitHubRun";

    /// <summary>The pending promotion's id (Get-StackPromotion -State Pending).</summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Id { get; set; } = "";

    /// <summary>The repository whose workflow run waits for approval: OWNER/NAME.</summary>
    [Parameter(ParameterSetName = ByRun, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Repository")]
    public string GitHubRepository { get; set; } = "";

    /// <summary>The waiting workflow run (Get-StackPromotion -GitHubRepository OWNER/NAME -Pending).</summary>
    [Parameter(ParameterSetName = ByRun, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public long RunId { get; set; }

    /// <summary>Only these of the environments the run waits for; all of them by default.</summary>
    [Parameter(ParameterSetName = ByRun, ValueFromPipelineByPropertyName = true)]
    public string[]? Environment { get; set; }

    /// <summary>A token that may review deployments; $env:GITHUB_TOKEN, else $env:GH_TOKEN, by default.</summary>
    [Parameter(ParameterSetName = ByRun)]
    public System.Security.SecureString? GitHubToken { get; set; }

    protected abstract bool Approves { get; }

    protected override void Process()
    {
        var target = ParameterSetName switch { ById => Id, ByRun => $"{GitHubRepository} run {RunId}", _ => $"{Pipeline} {Version} → {To}" };
        if (!ShouldProcess(target, Approves ? "Approve promotion" : "Deny promotion")) return;
        Try(target, () =>
        {
            if (ParameterSetName == ByRun)
            {
                var reviewed = Engine.GitHubReviews(GitHubApiFor(GitHubToken)).Review(Core.GitHub.GitHubRepository.Parse(GitHubRepository), RunId, Environment, Approves,
                    Comment ?? (Approves ? "Approved with StackOps" : "Denied with StackOps"));
                WriteObject(reviewed, enumerateCollection: true);
                return;
            }
            var record = ParameterSetName == ById
                ? Engine.Promotions.Decide(Id, null, null, null, Approves, Comment)
                : Engine.Promotions.Decide(null, Pipeline, Version, To, Approves, Comment);
            WriteObject(record);
        });
    }
}

[Cmdlet(VerbsLifecycle.Approve, "StackPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BySubject)]
[OutputType(typeof(PromotionRecord), typeof(Core.GitHub.PendingRun))]
public sealed class ApproveStackPromotionCommand : PromotionDecisionCmdlet
{
    protected override bool Approves => true;
}

[Cmdlet(VerbsLifecycle.Deny, "StackPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BySubject)]
[OutputType(typeof(PromotionRecord), typeof(Core.GitHub.PendingRun))]
public sealed class DenyStackPromotionCommand : PromotionDecisionCmdlet
{
    protected override bool Approves => false;
}

/// <summary>The promotion history, newest first, filtered by pipeline, stage, state and version; or the workflow runs of a repository that wait for approval.</summary>
[Cmdlet(VerbsCommon.Get, "StackPromotion", DefaultParameterSetName = History)]
[OutputType(typeof(PromotionRecord), ParameterSetName = [History])]
[OutputType(typeof(Core.GitHub.PendingRun), ParameterSetName = [GitHub])]
public sealed class GetStackPromotionCommand : StoreCmdlet
{
    private const string History = "History", GitHub = "GitHub";

    /// <summary>Lists the workflow runs of this repository (OWNER/NAME) that wait for an environment's approval (with -Pending).</summary>
    [Parameter(ParameterSetName = GitHub, Mandatory = true)]
    [Alias("Repository")]
    public string GitHubRepository { get; set; } = "";

    /// <summary>A token that may read the repository's runs; $env:GITHUB_TOKEN, else $env:GH_TOKEN, by default.</summary>
    [Parameter(ParameterSetName = GitHub)]
    public System.Security.SecureString? GitHubToken { get; set; }

    [Parameter(ParameterSetName = History, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string? Pipeline { get; set; }

    /// <summary>Promotions into or out of this stage.</summary>
    [Parameter(ParameterSetName = History), ArgumentCompleter(typeof(StageNameCompleter))]
    public string? Stage { get; set; }

    [Parameter(ParameterSetName = History)] public PromotionState? State { get => (PromotionState?)_state; set => _state = value; }

    // Boxed, as StoreCmdlet.Scope is.
    private object? _state;

    [Parameter(ParameterSetName = History)] public string? Version { get; set; }

    /// <summary>Only the pending ones (same as -State Pending); with -GitHubRepository, the runs waiting for approval.</summary>
    [Parameter] public SwitchParameter Pending { get; set; }

    /// <summary>At most this many, newest first.</summary>
    [Parameter, ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    protected override void Process() => Try(null, () =>
    {
        if (ParameterSetName == GitHub)
            WriteObject(Engine.GitHubReviews(GitHubApiFor(GitHubToken)).Pending(Core.GitHub.GitHubRepository.Parse(GitHubRepository)).Take(First), enumerateCollection: true);
        else
        {
            var history = Engine.Promotions.History(Pipeline, Stage, Pending ? PromotionState.Pending : State, Version);
            WriteProblems(history);
            WriteObject(history.Items.Take(First), enumerateCollection: true);
        }
    });
}

/// <summary>
/// The GitHub Action's promotion (action.yml runs it): reads the INPUT_* variables, masks every
/// secret value, checks the target environment's protection, annotates the target stack's findings,
/// promotes with GitHub deployments as the ledger, prints a group per step, and writes the step's
/// outputs and summary. Fails the step when the promotion fails.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "StackPromotionAction")]
[OutputType(typeof(Core.GitHub.ActionResult))]
public sealed class InvokeStackPromotionActionCommand : StackOpsCmdlet
{
    /// <summary>Writes the result object (its outputs) to the pipeline too.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        // The store comes from the store input, not from the current location: nothing to open yet.
    }

    protected override void Process()
    {
        var action = new Core.GitHub.PromotionAction(line => Host.UI.WriteLine(line), System.Environment.GetEnvironmentVariable);
        var result = action.Run(CurrentDirectory, engine => Attach(engine), command =>
        {
            ScriptBlock block;
            try { block = ScriptBlock.Create(command); }
            catch (ParseException e)
            {
                var error = e.Errors[0];
                throw new StackOpsException("ActionInputInvalid", ErrorKind.InvalidArgument,
                    $"The input 'run' is not valid PowerShell (line {error.Extent.StartLineNumber}, column {error.Extent.StartColumnNumber}: {error.Message}): give a command, or the path of a script to run.", "run");
            }
            return context => RunSteps.Invoke(block, context, new RunOutput(action.Print, warning => action.Print(Core.GitHub.WorkflowCommands.Warning(warning)),
                verbose => action.Print(Core.GitHub.WorkflowCommands.Debug(verbose)), debug => action.Print(Core.GitHub.WorkflowCommands.Debug(debug))));
        });
        if (PassThru) WriteObject(result);
        if (result.Failed)
            ThrowTerminatingError(ToErrorRecord(new StackOpsException("PromotionActionFailed", ErrorKind.InvalidOperation,
                $"The promotion did not complete ({result.Reason}): the errors above (annotations in the run) say why."), result));
    }
}
