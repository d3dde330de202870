using System.Management.Automation;
using StackOps.Core.Connectors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Describes connector types: their auth methods (with configuration schemas and credential lifetimes) and resource types.</summary>
[Cmdlet(VerbsCommon.Get, "ServiceConnectorType")]
[OutputType(typeof(ConnectorType))]
public sealed class GetServiceConnectorTypeCommand : StackOpsCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(ConnectorTypeCompleter))]
    public string[]? Type { get; set; }

    /// <summary>Only the types that reach this resource type.</summary>
    [Parameter, ArgumentCompleter(typeof(ResourceTypeCompleter))]
    public string? ResourceType { get; set; }

    protected override void Process()
    {
        foreach (var type in Select(Type, Engine.Connectors.Types, t => t.Name, Engine.Connectors.Type))
            if (ResourceType is null || type.ResourceType(ResourceType) is not null) WriteObject(type);
    }
}
