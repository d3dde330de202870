using System.Management.Automation;
using StackOps.Core.Connectors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Changes a connector's settings, credentials, scope or expiry, reverified unless -SkipVerification; a connector in use keeps its identity.</summary>
[Cmdlet(VerbsCommon.Set, "ServiceConnector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ServiceConnector))]
public sealed class SetServiceConnectorCommand : ConnectorConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ServiceConnectorNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Another auth method of the same type (its fields are then given anew).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(AuthMethodCompleter))]
    public string? AuthMethod { get; set; }

    /// <summary>Makes the connector multi-type again (no resource type or id).</summary>
    [Parameter] public SwitchParameter ClearResource { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, "Update service connector")) return;
        Try(Name, () =>
        {
            var existing = Engine.Connectors.Get(Name);
            var newMethod = AuthMethod is null ? null : Engine.Connectors.Type(existing.Type).AuthMethod(AuthMethod);
            var (settings, credentials) = Split(existing.Name, newMethod);
            var connector = Engine.Connectors.Update(existing.Name, settings, credentials, AuthMethod, ResourceType, ResourceId, ClearResource,
                ExpiresAt, ExpirationSeconds, ToLabels(Label), Description, verify: !SkipVerification);
            if (PassThru) WriteObject(connector);
        });
    }
}
