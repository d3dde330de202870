using System.Management.Automation;
using StackOps.Core.Connectors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Removes connectors and their secrets; one that components are linked to is refused.</summary>
[Cmdlet(VerbsCommon.Remove, "ServiceConnector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ServiceConnector))]
public sealed class RemoveServiceConnectorCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(ServiceConnectorNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var connectors = Must(() => Select(Name, () => Reported(Engine.Connectors.List()), c => c.Name, Exact).ToList());
        foreach (var connector in connectors)
        {
            Try(connector, () =>
            {
                Engine.Connectors.CheckRemove(connector.Name);
                if (!ShouldProcess(connector.Name, "Remove service connector and its credentials")) return;
                var removed = Engine.Connectors.Remove(connector.Name);
                if (PassThru) WriteObject(removed);
            });
        }
    }

    /// <summary>Removal takes exact names only: a prefix must never remove a connector the user did not name.</summary>
    private ServiceConnector Exact(string name)
    {
        var connector = Engine.Connectors.Get(name);
        return string.Equals(connector.Name, name, StringComparison.OrdinalIgnoreCase) ? connector
            : throw new Core.Errors.StackOpsException("ServiceConnectorNotFound", Core.Errors.ErrorKind.NotFound, $"Service connector '{name}' was not found. Run Get-ServiceConnector to list them.", name);
    }
}
