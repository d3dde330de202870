using StackOps.Core.Store.Remote;

namespace StackOps.Core.Connectors;

/// <summary>
/// The team server's credential broker, seen from a client: a connector's credentials are saved
/// with its document and never read back; a use of the connector (verification, a login, an image
/// copy) asks the server, which checks `use` on the connector and issues credentials for one
/// resource — short-lived where the auth method has such a form.
/// </summary>
internal sealed class CredentialBroker(ServerClient client)
{
    private static string Route(string connector, string action) => $"{ServerRoutes.Connectors}/{ServerClient.Escape(connector)}/{action}";

    public void Save(string connector, string document, long baseVersion, IReadOnlyDictionary<string, string> credentials, bool verify) =>
        client.Post<CommitResultBody>(Route(connector, "credentials"), new SaveCredentialsBody(document, baseVersion, credentials, verify));

    public ConnectorCredential Issue(string connector, string? resourceType, string? resourceId)
    {
        var body = client.Post<CredentialBody>(Route(connector, "issue"), new IssueBody(resourceType, resourceId));
        return new ConnectorCredential(body.Connector, body.ConnectorType, body.AuthMethod, body.ResourceType, body.ResourceId, body.Settings, body.Secrets, body.ExpiresAt);
    }

    public IReadOnlyList<ConnectorResources> Verify(string connector, string? resourceType, string? resourceId) =>
        client.Post<List<ResourcesBody>>(Route(connector, "verify"), new IssueBody(resourceType, resourceId))
            .Select(r => new ConnectorResources(r.Connector, r.ConnectorType, r.ResourceType, r.ResourceIds, r.Error, r.Contents)).ToList();
}
