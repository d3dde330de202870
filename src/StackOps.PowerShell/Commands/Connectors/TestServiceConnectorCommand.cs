using System.Management.Automation;
using StackOps.Core.Connectors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Verifies connectors against their services: one result per resource type, with the service's reason when it fails.</summary>
[Cmdlet(VerbsDiagnostic.Test, "ServiceConnector")]
[OutputType(typeof(ConnectorResources), typeof(bool))]
public sealed class TestServiceConnectorCommand : ConnectorCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(ServiceConnectorNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter, ArgumentCompleter(typeof(ResourceTypeCompleter))]
    public string? ResourceType { get; set; }

    /// <summary>Also checks that this resource is among those the credentials reach.</summary>
    [Parameter] public string? ResourceId { get; set; }

    /// <summary>Returns only $true or $false per connector.</summary>
    [Parameter] public SwitchParameter Quiet { get; set; }

    protected override void Process()
    {
        foreach (var connector in Connectors(Name))
            Try(connector, () =>
            {
                var results = Engine.Connectors.Verify(connector.Name, ResourceType, ResourceId);
                foreach (var failure in results.Where(r => !r.Success)) WriteVerbose($"{connector.Name}: {failure.ResourceType}: {failure.Error}");
                if (Quiet) WriteObject(results.All(r => r.Success));
                else WriteObject(results, enumerateCollection: true);
            });
    }
}
