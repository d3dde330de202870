using System.Management.Automation;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

/// <summary>Copies a component (flavor, configuration, labels, connector) under a new name.</summary>
[Cmdlet(VerbsCommon.Copy, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(StackComponent))]
public sealed class CopyStackComponentCommand : ComponentNameChangeCmdlet
{
    protected override string Action => "Copy";

    protected override StackComponent Change(string type, string name, string newName) => Engine.Components.Copy(type, name, newName);
}
