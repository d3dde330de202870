using StackOps.Abstractions;
using StackOps.Core.Registries;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// A registry that speaks the Docker/OCI distribution API: GET /v2/ with the credentials verifies
/// them, and GET /v2/_catalog lists the repositories.
/// </summary>
internal sealed class DockerProvider : IConnectorProvider
{
    public async Task<ResourceListing> ListAsync(ConnectorContext session, ResourceTypeDefinition resourceType, CancellationToken cancellation)
    {
        var registry = session.ResourceId ?? RegistryClient.DockerHub;
        using var client = new RegistryClient(registry, session.CreateHandler(), session.Timeout, session.Required("username"), session.Required("password"));
        try
        {
            await client.VerifyAsync(cancellation);
            return ResourceListing.Reached([registry], await client.RepositoriesAsync(cancellation));
        }
        catch (RegistryException e) { return ResourceListing.Failed(e.Message); }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { return ResourceListing.Failed(session.Describe(e, client.BaseAddress.ToString())); }
    }

    public Task<IssuedCredential> IssueAsync(ConnectorContext session, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation) =>
        Task.FromResult(new IssuedCredential(resourceId ?? RegistryClient.DockerHub,
            new Dictionary<string, string> { ["registry"] = resourceId ?? RegistryClient.DockerHub, ["username"] = session.Required("username") },
            new Dictionary<string, string> { ["password"] = session.Required("password") }, null));
}
