using System.Management.Automation;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

/// <summary>Creates a stack with the same components (shared, not copied), labels and description.</summary>
[Cmdlet(VerbsCommon.Copy, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Stack))]
public sealed class CopyStackCommand : StackNameChangeCmdlet
{
    protected override string Action => "Copy";

    protected override Stack Change(string name, string newName) => Engine.Stacks.Copy(name, newName);
}
