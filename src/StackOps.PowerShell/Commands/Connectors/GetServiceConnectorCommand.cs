using System.Management.Automation;
using StackOps.Core.Connectors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "ServiceConnector")]
[OutputType(typeof(ServiceConnector))]
public sealed class GetServiceConnectorCommand : StoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(ServiceConnectorNameCompleter))]
    public string[]? Name { get; set; }

    protected override void Process()
    {
        foreach (var connector in Select(Name, ListAll, c => c.Name, Engine.Connectors.Get)) WriteObject(connector);
    }

    private IReadOnlyList<ServiceConnector> ListAll() => Reported(Engine.Connectors.List());
}
