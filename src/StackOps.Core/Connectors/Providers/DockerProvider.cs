using StackOps.Core.Registries;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// A registry that speaks the Docker/OCI distribution API: GET /v2/ with the credentials verifies
/// them, and GET /v2/_catalog lists the repositories.
/// </summary>
internal sealed class DockerProvider : IConnectorProvider
{
    public async Task<ConnectorResources> ListAsync(ConnectorSession session, ConnectorResourceType resourceType, CancellationToken cancellation)
    {
        var registry = session.Connector.ResourceId ?? RegistryClient.DockerHub;
        using var client = new RegistryClient(registry, session.CreateHandler(), session.Timeout, session.Required("username"), session.Required("password"));
        try
        {
            await client.VerifyAsync(cancellation);
            return session.Reached(resourceType, [registry], await client.RepositoriesAsync(cancellation));
        }
        catch (RegistryException e) { return session.Failed(resourceType, e.Message); }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { return session.Failed(resourceType, session.Describe(e, client.BaseAddress.ToString())); }
    }

    public Task<ConnectorCredential> IssueAsync(ConnectorSession session, ConnectorResourceType resourceType, string? resourceId, CancellationToken cancellation) =>
        Task.FromResult(session.Credential(resourceType.Name, resourceId ?? RegistryClient.DockerHub,
            new Dictionary<string, string> { ["registry"] = resourceId ?? RegistryClient.DockerHub, ["username"] = session.Required("username") },
            new Dictionary<string, string> { ["password"] = session.Required("password") }, null));
}
