using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Sets the stack that commands use by default, for this user and this store (never in a committed file).</summary>
[Cmdlet(VerbsCommon.Set, "ActiveStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Stack))]
public sealed class SetActiveStackCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, "Activate stack")) return;
        Try(Name, () =>
        {
            var stack = Engine.Stacks.Activate(Name);
            if (Environment.GetEnvironmentVariable(Core.Store.ActiveStacks.OverrideVariable) is { Length: > 0 } pinned)
                WriteWarning($"${Core.Store.ActiveStacks.OverrideVariable} is set to '{pinned}' and overrides the active stack in this session.");
            if (PassThru) WriteObject(stack);
        });
    }
}
