using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Unlinks a component from its service connector.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(StackComponent))]
public sealed class DisconnectStackComponentCommand : ComponentCmdlet
{
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess($"{Type}/{Name}", "Unlink from its service connector")) return;
        Try(Name, () =>
        {
            var component = Engine.Connectors.Disconnect(Type, Name);
            if (PassThru) WriteObject(component);
        });
    }
}
