using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Secrets;

namespace StackOps.Core.Integrations;

/// <summary>
/// An integration's secret backend as the engine uses it: whatever it throws becomes one
/// SecretBackendFailed error naming the backend and the integration, its text masked (the values
/// StackOps knows are hidden) and without the original exception, whose text nothing masks.
/// </summary>
internal sealed class IntegrationSecretBackend(ISecretBackend backend, string integration, string name) : ISecretBackend
{
    public string Name => name;
    public SecretBackendCapabilities Capabilities => Guard(() => backend.Capabilities);

    public Secret? Read(string secret) => Guard(() => backend.Read(secret));
    public bool Exists(string secret) => Guard(() => backend.Exists(secret));
    public IReadOnlyList<string> List() => Guard(() => backend.List().ToList());
    public ISecretTransaction Begin() => Guard(() => new Transaction(backend.Begin(), this));

    public static StackOpsException Failed(string integration, string backend, Exception e) =>
        new("SecretBackendFailed", ErrorKind.InvalidOperation,
            $"The secret backend '{backend}' (integration '{integration}') failed: {SecretMasker.Shared.Apply($"{e.GetType().Name}: {e.Message}")} Check its settings with Get-StackSecretBackend {backend}, or fix the integration and register it again.", backend);

    private T Guard<T>(Func<T> call)
    {
        try { return call(); }
        catch (Exception e) when (e is not StackOpsException) { throw Failed(integration, name, e); }
    }

    private void Guard(Action call) => Guard(() => { call(); return true; });

    private sealed class Transaction(ISecretTransaction transaction, IntegrationSecretBackend owner) : ISecretTransaction
    {
        public Secret? Read(string name) => owner.Guard(() => transaction.Read(name));
        public void Put(Secret secret) => owner.Guard(() => transaction.Put(secret));
        public void Delete(string name) => owner.Guard(() => transaction.Delete(name));
        public void Commit() => owner.Guard(transaction.Commit);
        public void Dispose() => owner.Guard(transaction.Dispose);
    }
}
