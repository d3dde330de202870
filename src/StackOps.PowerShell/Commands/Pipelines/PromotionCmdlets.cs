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

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
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
            if (PassThru) WriteObject(outcome.Record);
        });
    }

    /// <summary>Runs -Run in a nested pipeline with the environment set for its duration; its output is shown masked.</summary>
    private RunResult RunStep(RunContext context)
    {
        var saved = context.Environment.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (name, value) in context.Environment) Environment.SetEnvironmentVariable(name, value);
        try
        {
            using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddScript("$global:LASTEXITCODE = 0; & $args[0]; if ($global:LASTEXITCODE) { throw \"The run step exited with code $global:LASTEXITCODE.\" }").AddArgument(Run);
            var output = shell.Invoke();
            foreach (var item in output) Tell(item?.ToString() ?? "");
            foreach (var record in shell.Streams.Information) Tell(record.MessageData?.ToString() ?? "");
            foreach (var warning in shell.Streams.Warning) WriteWarning(warning.Message);
            var errors = shell.Streams.Error.Select(e => e.ToString()).ToList();
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
}

/// <summary>Requests a promotion into a stage whose gate needs approvals: it waits, pending, for Approve-StackPromotion.</summary>
[Cmdlet(VerbsLifecycle.Request, "StackPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = BySubject)]
[OutputType(typeof(PromotionRecord))]
public sealed class RequestStackPromotionCommand : PromotionCmdlet
{
    [Parameter, ArgumentCompleter(typeof(StageNameCompleter))]
    public string? From { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Pipeline} {Version} → {To}", "Request promotion")) return;
        Try(To, () => WriteObject(Engine.Promotions.Request(Pipeline, Version, To, From, Comment)));
    }
}

/// <summary>Approve-StackPromotion and Deny-StackPromotion: a decision by the current identity on a pending promotion.</summary>
public abstract class PromotionDecisionCmdlet : PromotionCmdlet
{
    protected const string ById = "ById";

    /// <summary>The pending promotion's id (Get-StackPromotion -State Pending).</summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Id { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected abstract bool Approves { get; }

    protected override void ProcessRecord()
    {
        var target = ParameterSetName == ById ? Id : $"{Pipeline} {Version} → {To}";
        if (!ShouldProcess(target, Approves ? "Approve promotion" : "Deny promotion")) return;
        Try(target, () =>
        {
            var record = ParameterSetName == ById
                ? Engine.Promotions.Decide(Id, null, null, null, Approves, Comment)
                : Engine.Promotions.Decide(null, Pipeline, Version, To, Approves, Comment);
            if (PassThru) WriteObject(record);
        });
    }
}

[Cmdlet(VerbsLifecycle.Approve, "StackPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BySubject)]
[OutputType(typeof(PromotionRecord))]
public sealed class ApproveStackPromotionCommand : PromotionDecisionCmdlet
{
    protected override bool Approves => true;
}

[Cmdlet(VerbsLifecycle.Deny, "StackPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BySubject)]
[OutputType(typeof(PromotionRecord))]
public sealed class DenyStackPromotionCommand : PromotionDecisionCmdlet
{
    protected override bool Approves => false;
}

/// <summary>The promotion history, newest first, filtered by pipeline, stage, state and version.</summary>
[Cmdlet(VerbsCommon.Get, "StackPromotion")]
[OutputType(typeof(PromotionRecord))]
public sealed class GetStackPromotionCommand : StoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string? Pipeline { get; set; }

    /// <summary>Promotions into or out of this stage.</summary>
    [Parameter, ArgumentCompleter(typeof(StageNameCompleter))]
    public string? Stage { get; set; }

    [Parameter] public PromotionState? State { get; set; }

    [Parameter] public string? Version { get; set; }

    /// <summary>Only the pending ones (same as -State Pending).</summary>
    [Parameter] public SwitchParameter Pending { get; set; }

    /// <summary>At most this many, newest first.</summary>
    [Parameter, ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    protected override void ProcessRecord() =>
        Try(null, () => WriteObject(Engine.Promotions.History(Pipeline, Stage, Pending ? PromotionState.Pending : State, Version).Take(First), enumerateCollection: true));
}
