namespace StackOps.Abstractions;

/// <summary>
/// A type of secret backend an integration adds. Users register backends of it by name with
/// Register-StackSecretBackend -Type (with -Vault when it takes one); StackOps records the type when
/// the integration is registered, and loads the integration only when a backend of it is opened.
/// </summary>
/// <param name="Type">Its name, unique among StackOps's types and every integration's (letters, digits, '-', '_', '.').</param>
/// <param name="Description">One sentence shown to users: where its secrets live, and what -Vault means for it when it takes one.</param>
/// <param name="Capabilities">What its backends can do, shown without loading the integration; the backends it opens declare the same.</param>
/// <param name="Open">Opens a registered backend of this type; StackOps calls it each time it reads or writes secrets through the backend.</param>
public sealed record SecretBackendTypeDefinition(string Type, string Description, SecretBackendCapabilities Capabilities,
    Func<SecretBackendContext, ISecretBackend> Open)
{
    /// <summary>Whether its backends take a vault setting (-Vault: a vault's name, a folder, an address); none by default.</summary>
    public SecretVaultSetting Vault { get; init; } = SecretVaultSetting.None;
}

/// <summary>Whether backends of a type take a vault setting (Register-StackSecretBackend -Vault).</summary>
public enum SecretVaultSetting
{
    /// <summary>They take none: -Vault is refused.</summary>
    None = 0,
    /// <summary>They may have one.</summary>
    Optional = 1,
    /// <summary>They must have one.</summary>
    Required = 2,
}

/// <summary>The registered backend being opened.</summary>
/// <param name="Name">The name it is registered by (what <see cref="ISecretBackend.Name"/> returns).</param>
/// <param name="Vault">Its vault setting (-Vault), null when it has none.</param>
public sealed record SecretBackendContext(string Name, string? Vault);
