using System.Collections.Concurrent;
using System.Management.Automation;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Integrations;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Registers an integration from its build output (a folder, its .dll or a .nupkg): its flavors
/// appear in Get-StackFlavor and are validated like built-in ones. Registering a newer build of the
/// same integration replaces it.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "StackIntegration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IntegrationInfo))]
public sealed class RegisterStackIntegrationCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    protected override void Process() => Try(Path, () =>
    {
        var path = FileSystemPath(Path);
        if (!ShouldProcess(path, "Register the integration built here (its code runs to describe it)")) return;
        var info = Engine.Integrations.Register(path);
        WriteVerbose($"Registered {info} with the flavors {string.Join(", ", info.Flavors)}.");
        WriteObject(info);
    });
}

/// <summary>Lists the registered integrations, their versions, requirements and flavors, without loading their code.</summary>
[Cmdlet(VerbsCommon.Get, "StackIntegration")]
[OutputType(typeof(IntegrationInfo))]
public sealed class GetStackIntegrationCommand : StoreCmdlet
{
    [Parameter(Position = 0), SupportsWildcards]
    public string[]? Name { get; set; }

    protected override void Process() =>
        WriteObject(Select(Name, () => Engine.Integrations.List(), i => i.Name, Engine.Integrations.Get), enumerateCollection: true);
}

/// <summary>Removes a registered integration; refused while a component of the store uses one of its flavors, or a secret backend one of its types.</summary>
[Cmdlet(VerbsLifecycle.Unregister, "StackIntegration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IntegrationInfo))]
public sealed class UnregisterStackIntegrationCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process() => Try(Name, () =>
    {
        var info = Engine.Integrations.Get(Name);
        if (!ShouldProcess(info.Name, "Unregister integration")) return;
        var removed = Engine.Integrations.Unregister(info.Name, Reported(Engine.Components.List()), Reported(Engine.Connectors.List()), Reported(Engine.Secrets.Backends()));
        if (PassThru) WriteObject(removed);
    });
}

/// <summary>
/// Runs a published pipeline version on a stack's orchestrator (the built-in local one, or an
/// integration's), with the stack's resolved configuration, showing its log as it comes; Ctrl+C
/// cancels the run.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "StackPipeline")]
[OutputType(typeof(PipelineRunResult))]
public sealed class InvokeStackPipelineCommand : StoreCmdlet
{
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0), ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true)]
    public string Version { get; set; } = "";

    [Parameter(Mandatory = true), ArgumentCompleter(typeof(StackNameCompleter))]
    public string Stack { get; set; } = "";

    /// <summary>The program and its arguments; the pipeline's own command (New-StackPipeline -Command) by default.</summary>
    [Parameter]
    public string[] Command { get; set; } = [];

    protected override void StopProcessing() => _cancel.Cancel();

    protected override void Process() => Try(Name, () =>
    {
        // The orchestrator logs from its own threads; lines are written here, on the pipeline's thread.
        using var lines = new BlockingCollection<string>();
        var run = Engine.Runs.Start(Name, Version, Stack, Command, lines.Add, _cancel.Token);
        run.ContinueWith(_ => lines.CompleteAdding(), TaskScheduler.Default);
        foreach (var line in lines.GetConsumingEnumerable())
            WriteInformation(new InformationRecord(new HostInformationMessage { Message = line }, "PSHOST"));
        var result = run.GetAwaiter().GetResult();
        if (result.Succeeded) WriteObject(result);
        else WriteError(ToErrorRecord(new StackOpsException("RunFailed", ErrorKind.InvalidOperation, result.Message, result), result));
    });
}
