using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Links a component to a service connector for one resource; the flavor must accept the connector's type and resource type.</summary>
[Cmdlet(VerbsCommunications.Connect, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(StackComponent))]
public sealed class ConnectStackComponentCommand : ComponentCmdlet
{
    [Parameter(Mandatory = true, Position = 2)]
    [ArgumentCompleter(typeof(ServiceConnectorNameCompleter))]
    public string Connector { get; set; } = "";

    /// <summary>The resource; by default the connector's own, or the one the component's configuration names (an s3 path's bucket, a registry uri).</summary>
    [Parameter] public string? ResourceId { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess($"{Type}/{Name}", $"Link to service connector '{Connector}'")) return;
        Try(Name, () =>
        {
            var component = Engine.Connectors.Connect(Type, Name, Connector, ResourceId);
            WriteVerbose($"Linked the {component.Type} '{component.Name}' to service connector '{component.Connector!.Name}'{(component.Connector.ResourceId is { } id ? $" for {id}" : "")}.");
            WriteObject(component);
        });
    }
}
