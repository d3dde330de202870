using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.Set, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Stack))]
public sealed class SetStackCommand : StackComponentParameters
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Component types to take out of the stack (orchestrator and artifact store are required).</summary>
    [Parameter, ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string[]? RemoveComponent { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var name in Name)
        {
            if (!ShouldProcess(name, "Update stack")) continue;
            Try(name, () =>
            {
                var stack = Engine.Stacks.Update(name, RequestedComponents(), RemoveComponent, ToLabels(Label), Description);
                WriteVerbose($"Updated stack '{stack.Name}' in {stack.Path}.");
                if (PassThru) WriteObject(stack);
            });
        }
    }
}
