using System.Management.Automation;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsLifecycle.Unregister, "StackFlavor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Flavor))]
public sealed class UnregisterStackFlavorCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string Type { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(FlavorNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var name in Name)
        {
            Try(name, () =>
            {
                Engine.Flavors.CheckUnregister(Type, name);
                if (!ShouldProcess($"{Type}/{name}", "Unregister flavor")) return;
                var flavor = Engine.Flavors.Unregister(Type, name);
                if (PassThru) WriteObject(flavor);
            });
        }
    }
}
