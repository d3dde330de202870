using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Renames a component; the stacks that use it follow, in the same commit.</summary>
[Cmdlet(VerbsCommon.Rename, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StackComponent))]
public sealed class RenameStackComponentCommand : StackOpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string Type { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2)]
    public string NewName { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    [Parameter] public StoreScope? Scope { get; set; }

    protected override StoreScope? RequestedScope => Scope;

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Type}/{Name}", $"Rename component to '{NewName}'")) return;
        Try(Name, () =>
        {
            var component = Engine.Components.Rename(Type, Name, NewName);
            if (PassThru) WriteObject(component);
        });
    }
}
