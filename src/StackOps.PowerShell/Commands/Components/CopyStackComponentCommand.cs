using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Copies a component (flavor, configuration, labels, connector) under a new name.</summary>
[Cmdlet(VerbsCommon.Copy, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(StackComponent))]
public sealed class CopyStackComponentCommand : StackOpsCmdlet
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
        if (!ShouldProcess($"{Type}/{Name}", $"Copy component to '{NewName}'")) return;
        Try(Name, () =>
        {
            var component = Engine.Components.Copy(Type, Name, NewName);
            if (PassThru) WriteObject(component);
        });
    }
}
