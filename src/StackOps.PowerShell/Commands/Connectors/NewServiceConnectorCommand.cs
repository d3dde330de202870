using System.Management.Automation;
using StackOps.Core.Connectors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Registers a service connector, verified against the service unless -SkipVerification; its credentials go to the secret connector-NAME.</summary>
[Cmdlet(VerbsCommon.New, "ServiceConnector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ServiceConnector))]
public sealed class NewServiceConnectorCommand : ConnectorConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConnectorTypeCompleter))]
    public string Type { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AuthMethodCompleter))]
    public string AuthMethod { get; set; } = "";

    protected override void Process()
    {
        if (!ShouldProcess(Name, $"Register {Type} service connector ({AuthMethod})")) return;
        Try(Name, () =>
        {
            // An unknown type or auth method is the engine's error to report; only a known method's missing credentials are prompted for.
            var (settings, credentials) = Split(Name, Engine.Connectors.Type(Type).AuthMethod(AuthMethod));
            var connector = Engine.Connectors.Create(Name, Type, AuthMethod, settings, credentials, ResourceType, ResourceId, ExpiresAt, ExpirationSeconds,
                ToLabels(Label), Description, verify: !SkipVerification);
            WriteObject(connector);
        });
    }
}
