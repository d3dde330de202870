using StackOps.Core;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Store;
using StackOps.Server.Data;

namespace StackOps.Server.Api;

/// <summary>
/// The engine as the server runs it for a caller: over the database, on the server's clock, reading
/// connectors' credentials from the vault. The broker issues credentials with it; the document
/// service verifies promotions with it.
/// </summary>
public sealed class ServerEngines(ServerDatabase database, CredentialVault vault, TimeProvider clock)
{
    private static readonly string EngineHome = Path.Combine(Path.GetTempPath(), "stackops-server-engine");

    public StackOpsEngine For(string principal)
    {
        var engine = new StackOpsEngine(new StoreLocation(StoreScope.Server, "server", null, EngineHome), new DatabaseStore(database, principal, clock)) { Clock = clock };
        engine.Secrets.Host(new SecretBackendDefinition(VaultSecretBackend.Name, VaultSecretBackend.Name, description: "The server's credential vault.", isBuiltIn: true),
            () => new VaultSecretBackend(vault, database));
        engine.Secrets.PreferredBackend = VaultSecretBackend.Name;
        return engine;
    }
}
