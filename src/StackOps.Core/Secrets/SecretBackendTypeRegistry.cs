using StackOps.Abstractions;
using StackOps.Core.Errors;

namespace StackOps.Core.Secrets;

/// <summary>A secret backend type as the registry knows it: its descriptor, and the integration that adds it (null for StackOps's and the host's own).</summary>
public sealed record RegisteredSecretBackendType(SecretBackendTypeDefinition Definition, string? Integration);

/// <summary>
/// The secret backend types, one descriptor each: StackOps's own (local, env), the host's
/// (secretmanagement, read through PowerShell) and the registered integrations'. Every backend is
/// opened through the one lookup, <see cref="Find"/>.
/// </summary>
public sealed class SecretBackendTypeRegistry
{
    private readonly List<SecretBackendTypeDefinition> _own;
    private readonly Func<IEnumerable<RegisteredSecretBackendType>> _integrations;

    internal SecretBackendTypeRegistry(IEnumerable<SecretBackendTypeDefinition> own, Func<IEnumerable<RegisteredSecretBackendType>> integrations)
    {
        _own = own.ToList();
        _integrations = integrations;
    }

    /// <summary>Adds a type, or replaces StackOps's own of that name (the host's secretmanagement, which reads vaults where the engine alone cannot).</summary>
    public void Register(SecretBackendTypeDefinition type)
    {
        _own.RemoveAll(t => string.Equals(t.Type, type.Type, StringComparison.OrdinalIgnoreCase));
        _own.Add(type);
    }

    /// <summary>Every type: StackOps's and the host's, then the registered integrations' (read from their manifests, not loaded).</summary>
    public IReadOnlyList<RegisteredSecretBackendType> All => _own.Select(t => new RegisteredSecretBackendType(t, null)).Concat(_integrations()).ToList();

    /// <summary>The type of that name (case-insensitive), null when neither StackOps nor a registered integration has it.</summary>
    public RegisteredSecretBackendType? Find(string type) =>
        All.FirstOrDefault(t => string.Equals(t.Definition.Type, type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The type of that name; an unknown one is UnknownSecretBackendType, naming the known ones.</summary>
    public RegisteredSecretBackendType Get(string type) => Find(type) ?? throw Unknown(type, null);

    /// <summary>
    /// The type of a registered backend. One whose integration is no longer registered is
    /// IntegrationMissing, naming the integration; one whose type nothing adds is UnknownSecretBackendType.
    /// </summary>
    internal RegisteredSecretBackendType Of(SecretBackendDefinition backend)
    {
        if (Find(backend.Type) is { } type) return type;
        if (backend.Integration is { } integration)
            throw new StackOpsException("IntegrationMissing", ErrorKind.NotFound,
                $"The secret backend '{backend.Name}' is of type '{backend.Type}', which integration '{integration}' adds, and that integration is not registered here. Register it with Register-StackIntegration -Path <its build output or package>, or remove the backend with Unregister-StackSecretBackend {backend.Name}.", backend);
        throw Unknown(backend.Type, backend);
    }

    /// <summary>Checks a backend's vault setting against what its type takes.</summary>
    internal static void CheckVault(string backend, SecretBackendTypeDefinition type, string? vault)
    {
        if (type.Vault == SecretVaultSetting.Required && string.IsNullOrWhiteSpace(vault))
            throw new StackOpsException("SecretVaultMissing", ErrorKind.InvalidArgument, $"A {type.Type} backend needs a vault: give it with -Vault. {type.Description}", backend);
        if (type.Vault == SecretVaultSetting.None && vault is not null)
            throw new StackOpsException("SecretVaultNotApplicable", ErrorKind.InvalidArgument, $"A {type.Type} backend takes no -Vault.", backend);
    }

    private StackOpsException Unknown(string type, SecretBackendDefinition? backend) =>
        new("UnknownSecretBackendType", ErrorKind.InvalidArgument,
            $"{(backend is null ? "" : $"The secret backend '{backend.Name}' is of type '{type}': ")}'{type}' is not a secret backend type; use one of {string.Join(", ", All.Select(t => t.Definition.Type))}. A type an integration adds is known once the integration is registered (Register-StackIntegration -Path <its build output or package>).",
            (object?)backend ?? type);
}
