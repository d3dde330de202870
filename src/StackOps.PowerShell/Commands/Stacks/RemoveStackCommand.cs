using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.Remove, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Stack))]
public sealed class RemoveStackCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(StackNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Also removes the stack's components that no other stack uses.</summary>
    [Parameter] public SwitchParameter IncludeComponents { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var stack in Select(Name, () => Reported(Engine.Stacks.List()), s => s.Name, ExactStack).ToList())
        {
            Try(stack, () =>
            {
                // The same checks as the removal, before asking: -WhatIf and -Confirm tell what the real call would do.
                Engine.Stacks.CheckRemove(stack.Name);
                if (!ShouldProcess(stack.Name, IncludeComponents ? "Remove stack and its unshared components" : "Remove stack")) return;
                var removed = Engine.Stacks.Remove(stack.Name, IncludeComponents);
                foreach (var component in removed.Components) WriteVerbose($"Removed the {component.Type} '{component.Name}', which no other stack used.");
                if (PassThru) WriteObject(removed.Stack);
            });
        }
    }

    /// <summary>Removal takes exact names only: a prefix must never remove a stack the user did not name.</summary>
    private Stack ExactStack(string name)
    {
        var stack = Engine.Stacks.Get(name);
        return string.Equals(stack.Name, name, StringComparison.OrdinalIgnoreCase) ? stack : throw Core.Errors.Fail.StackNotFound(name);
    }
}
