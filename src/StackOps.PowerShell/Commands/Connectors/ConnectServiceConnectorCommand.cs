using System.Management.Automation;
using StackOps.Core.Connectors;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Logs the local client in through a connector (ZenML's service-connector login): a Docker
/// config.json auth entry for a registry, a kubeconfig cluster, user and context for a cluster.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "ServiceConnector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ClientLogin))]
public sealed class ConnectServiceConnectorCommand : ConnectorResourceCmdlet
{
    /// <summary>The client's file: Docker's config.json, or the kubeconfig. By default $DOCKER_CONFIG/config.json or ~/.docker/config.json; $KUBECONFIG's first file or ~/.kube/config.</summary>
    [Parameter] public string? Path { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, "Configure the local client from service connector")) return;
        Try(Name, () =>
        {
            var login = Engine.Connectors.Login(Name, ResourceType, ResourceId, Path is null ? null : FileSystemPath(Path));
            WriteObject(login);
        });
    }
}
