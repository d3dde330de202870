using System.Management.Automation;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

/// <summary>Renames a component; the stacks that use it follow, in the same commit.</summary>
[Cmdlet(VerbsCommon.Rename, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StackComponent))]
public sealed class RenameStackComponentCommand : ComponentNameChangeCmdlet
{
    protected override string Action => "Rename";

    protected override StackComponent Change(string type, string name, string newName) => Engine.Components.Rename(type, name, newName);
}
