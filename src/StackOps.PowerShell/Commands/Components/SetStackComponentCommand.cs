using System.Collections;
using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Merges configuration and labels into a component; $null or -RemoveKey takes a key out.</summary>
[Cmdlet(VerbsCommon.Set, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StackComponent))]
public sealed class SetStackComponentCommand : ComponentCmdlet
{
    [Parameter] public IDictionary? Configuration { get; set; }

    [Parameter] public string[]? RemoveKey { get; set; }

    /// <summary>Labels to add or change; a label set to $null or '' is removed.</summary>
    [Parameter] public IDictionary? Label { get; set; }

    /// <summary>Refuses a credential given in clear text (a field the flavor marks secret) instead of warning.</summary>
    [Parameter] public SwitchParameter Strict { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess($"{Type}/{Name}", "Update component")) return;
        Try(Name, () =>
        {
            var component = Engine.Components.Update(Type, Name, Configuration is null ? null : ToConfiguration(Configuration), RemoveKey, ToLabels(Label), Strict);
            WriteVerbose($"Updated the {component.Type} '{component.Name}' in {component.Path}.");
            if (PassThru) WriteObject(component);
        });
    }
}
