using StackOps.Abstractions;
using StackOps.Core.Registries;

namespace StackOps.Core.Components.BuiltIn;

/// <summary>Every built-in container registry flavor: a registry that speaks the Docker/OCI distribution API, under the path its uri names.</summary>
internal sealed class OciContainerRegistry(string host, string prefix, RegistryClient client) : IContainerRegistry
{
    public async Task<ComponentCheck> CheckAsync(CancellationToken cancellation)
    {
        using (client)
        {
            try
            {
                await client.VerifyAsync(cancellation);
                return new ComponentCheck(true, $"the registry {host} answers the distribution API with these credentials");
            }
            catch (RegistryException e) { return new ComponentCheck(false, $"the registry {host} refused: {e.Message}"); }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { return new ComponentCheck(false, $"cannot reach the registry {host}: {e.Message}"); }
        }
    }

    public async Task<IReadOnlyList<string>> RepositoriesAsync(CancellationToken cancellation)
    {
        using (client)
        {
            var repositories = await client.RepositoriesAsync(cancellation);
            return prefix.Length == 0 ? repositories : repositories.Where(r => r.StartsWith(prefix + "/", StringComparison.Ordinal)).ToList();
        }
    }
}
