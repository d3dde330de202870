using System.Management.Automation;

namespace StackOps.PowerShell.Commands;

/// <summary>The credentials a connector issues for one resource (short-lived where the provider derives them), as SecureStrings unless -AsPlainText.</summary>
[Cmdlet(VerbsCommon.Get, "ServiceConnectorCredential")]
[OutputType(typeof(ServiceConnectorCredential))]
public sealed class GetServiceConnectorCredentialCommand : ConnectorResourceCmdlet
{
    /// <summary>Returns the secret parts as clear text instead of SecureStrings.</summary>
    [Parameter] public SwitchParameter AsPlainText { get; set; }

    protected override void Process() =>
        Try(Name, () => WriteObject(new ServiceConnectorCredential(Engine.Connectors.Credential(Name, ResourceType, ResourceId), AsPlainText, Secure)));
}
