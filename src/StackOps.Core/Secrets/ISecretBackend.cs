using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Model;

namespace StackOps.Core.Secrets;

/// <summary>The names of StackOps's own backend types (integrations add others, see <see cref="SecretBackendTypeRegistry"/>).</summary>
public static class SecretBackendTypes
{
    /// <summary>Encrypted files in the user's StackOps home (AES-256-GCM).</summary>
    public const string Local = "local";
    /// <summary>Read-only: STACKOPS_SECRET_&lt;NAME&gt;__&lt;KEY&gt; environment variables, for CI.</summary>
    public const string Environment = "env";
    /// <summary>A vault registered with Microsoft.PowerShell.SecretManagement (provided by the PowerShell host).</summary>
    public const string SecretManagement = "secretmanagement";

    /// <summary>The names no integration may give its own types.</summary>
    public static readonly IReadOnlyList<string> BuiltIn = [Local, Environment, SecretManagement];

    /// <summary>
    /// secretmanagement as the engine knows it without a PowerShell host: backends of it can be
    /// registered and listed, and opening one says it needs PowerShell. The host registers the same
    /// descriptor with an Open that reads the vault.
    /// </summary>
    public static readonly SecretBackendTypeDefinition SecretManagementWithoutHost = new(SecretManagement,
        "A vault registered with Microsoft.PowerShell.SecretManagement, read-only; -Vault is its name, as Get-SecretVault lists it.",
        SecretBackendCapabilities.Read | SecretBackendCapabilities.List,
        context => throw new StackOpsException("SecretManagementUnavailable", ErrorKind.InvalidOperation,
            $"The secret backend '{context.Name}' reads a SecretManagement vault, which only works inside PowerShell with the Microsoft.PowerShell.SecretManagement module.", context.Name))
    {
        Vault = SecretVaultSetting.Required,
    };
}

/// <summary>
/// A backend as a store knows it: the built-in ones (local, env), or one registered with
/// Register-StackSecretBackend and kept as a SecretBackend document. One of them is the store's default.
/// </summary>
public sealed class SecretBackendDefinition
{
    public SecretBackendDefinition(string name, string type, string? vault = null, bool isDefault = false, string? description = null,
        bool isBuiltIn = false, StoreScope scope = StoreScope.User, string? path = null, string? integration = null)
    {
        Name = name;
        Type = type;
        Vault = vault;
        IsDefault = isDefault;
        Description = description;
        IsBuiltIn = isBuiltIn;
        Scope = scope;
        Path = path;
        Integration = integration;
    }

    public string Name { get; }
    public string Type { get; }
    /// <summary>Its vault setting: the SecretManagement vault for the secretmanagement type; what an integration's type makes of it.</summary>
    public string? Vault { get; }
    /// <summary>The integration that adds its type, null for StackOps's own types.</summary>
    public string? Integration { get; }
    /// <summary>Whether the store resolves references through this backend (unless $env:STACKOPS_SECRET_BACKEND or -Backend says otherwise).</summary>
    public bool IsDefault { get; }
    public string? Description { get; }
    public bool IsBuiltIn { get; }
    public StoreScope Scope { get; }
    /// <summary>The document's file; null for the built-in backends.</summary>
    public string? Path { get; }

    /// <summary>What the backend can do (filled in from the backend itself when listed).</summary>
    public SecretBackendCapabilities Capabilities { get; private init; }

    public SecretBackendDefinition With(bool? isDefault = null, string? path = null, SecretBackendCapabilities? capabilities = null) =>
        new(Name, Type, Vault, isDefault ?? IsDefault, Description, IsBuiltIn, Scope, path ?? Path, Integration) { Capabilities = capabilities ?? Capabilities };

    public override string ToString() => Name;
}
