using System.Management.Automation;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

/// <summary>Renames a stack; if it is the active stack, the new name stays active.</summary>
[Cmdlet(VerbsCommon.Rename, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Stack))]
public sealed class RenameStackCommand : StackNameChangeCmdlet
{
    protected override string Action => "Rename";

    protected override Stack Change(string name, string newName) => Engine.Stacks.Rename(name, newName);
}
