using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.Rename, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Stack))]
public sealed class RenameStackCommand : StackOpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    public string NewName { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    [Parameter] public StoreScope? Scope { get; set; }

    protected override StoreScope? RequestedScope => Scope;

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(Name, $"Rename stack to '{NewName}'")) return;
        Try(Name, () =>
        {
            var stack = Engine.Stacks.Rename(Name, NewName);
            if (PassThru) WriteObject(stack);
        });
    }
}
