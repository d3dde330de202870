using System.Management.Automation;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.New, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Stack))]
public sealed class NewStackCommand : StackComponentParameters
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    /// <summary>Makes the new stack the active one (ZenML's register --set).</summary>
    [Parameter] public SwitchParameter Activate { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, "Create stack")) return;
        Try(Name, () =>
        {
            var stack = Engine.Stacks.Create(Name, RequestedComponents(), ToLabels(Label), Description);
            if (Activate) stack = Engine.Stacks.Activate(stack.Name);
            WriteVerbose($"Created stack '{stack.Name}' in {stack.Path}.");
            WriteObject(stack);
        });
    }
}
