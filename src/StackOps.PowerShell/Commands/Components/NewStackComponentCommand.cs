using System.Collections;
using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.New, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(StackComponent))]
public sealed class NewStackComponentCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string Type { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(FlavorNameCompleter))]
    public string Flavor { get; set; } = "";

    /// <summary>Settings by the flavor's keys; a credential as a secret reference: @{ key = '{{ aws.access_key_id }}' }.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IDictionary? Configuration { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IDictionary? Label { get; set; }

    /// <summary>Refuses a credential given in clear text (a field the flavor marks secret) instead of warning.</summary>
    [Parameter] public SwitchParameter Strict { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess($"{Type}/{Name}", $"Create component with flavor '{Flavor}'")) return;
        Try(Name, () =>
        {
            var component = Engine.Components.Create(Type, Name, Flavor, ToConfiguration(Configuration), ToLabels(Label), Strict);
            WriteVerbose($"Created the {component.Type} '{component.Name}' in {component.Path}.");
            WriteObject(component);
        });
    }
}
