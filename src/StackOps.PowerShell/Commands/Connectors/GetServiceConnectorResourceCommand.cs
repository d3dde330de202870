using System.Management.Automation;
using StackOps.Core.Connectors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Lists the resources each connector reaches, per resource type (ZenML's list-resources).</summary>
[Cmdlet(VerbsCommon.Get, "ServiceConnectorResource")]
[OutputType(typeof(ConnectorResources))]
public sealed class GetServiceConnectorResourceCommand : ConnectorCmdlet
{
    /// <summary>The connectors; all by default.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(ServiceConnectorNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only this resource type (connectors that do not cover it are skipped).</summary>
    [Parameter, ArgumentCompleter(typeof(ResourceTypeCompleter))]
    public string? ResourceType { get; set; }

    protected override void Process()
    {
        foreach (var connector in Connectors(Name))
        {
            if (ResourceType is not null && !Covers(connector, ResourceType)) continue;
            Try(connector, () => WriteObject(Engine.Connectors.Resources(connector.Name, ResourceType), enumerateCollection: true));
        }
    }

    private bool Covers(ServiceConnector connector, string resourceType) =>
        connector.ResourceType is { } own ? string.Equals(own, resourceType, StringComparison.OrdinalIgnoreCase)
            : Engine.Connectors.Type(connector.Type).ResourceType(resourceType) is not null;
}
