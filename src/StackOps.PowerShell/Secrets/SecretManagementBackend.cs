using System.Collections;
using System.Management.Automation;
using System.Security;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Secrets;

namespace StackOps.PowerShell.Secrets;

/// <summary>
/// Reads one vault of Microsoft.PowerShell.SecretManagement, calling its cmdlets by
/// module-qualified name in the current runspace, so there is no hard dependency: without the
/// module the backend is a clear error. A hashtable secret gives its keys; a PSCredential gives
/// username and password; a string, SecureString or byte[] secret gives the single key 'value'.
/// Read-only here: secrets are managed with Set-Secret and Remove-Secret in their vault.
/// </summary>
internal sealed class SecretManagementBackend(SecretBackendContext context) : ISecretBackend
{
    public const string ModuleName = "Microsoft.PowerShell.SecretManagement";
    public const string SingleValueKey = "value";

    /// <summary>The secretmanagement type, its vaults read through the current runspace.</summary>
    public static readonly SecretBackendTypeDefinition Type = SecretBackendTypes.SecretManagementWithoutHost with { Open = context => new SecretManagementBackend(context) };

    private bool _moduleChecked;

    public string Name => context.Name;
    public SecretBackendCapabilities Capabilities => Type.Capabilities;

    private string Vault => context.Vault!;

    public Secret? Read(string name)
    {
        if (!Exists(name)) return null;
        var result = Invoke("Get-Secret", ("Name", name), ("Vault", Vault), ("AsPlainText", true)).SingleOrDefault()?.BaseObject;
        var values = result switch
        {
            null => null,
            IDictionary table => table.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => Text(e.Value), StringComparer.Ordinal),
            PSCredential credential => new Dictionary<string, string> { ["username"] = credential.UserName, ["password"] = Text(credential.Password) },
            _ => new Dictionary<string, string> { [SingleValueKey] = Text(result) },
        };
        return values is null ? null : new Secret(name, values);
    }

    public bool Exists(string name) =>
        Invoke("Get-SecretInfo", ("Name", WildcardPattern.Escape(name)), ("Vault", Vault)).Count > 0;

    public IReadOnlyList<string> List() =>
        Invoke("Get-SecretInfo", ("Vault", Vault)).Select(o => o.Properties["Name"]?.Value?.ToString()).OfType<string>()
            .Order(StringComparer.OrdinalIgnoreCase).ToList();

    public ISecretTransaction Begin() =>
        throw Fail.SecretBackendCannot(Name, Type.Type, SecretBackendCapabilities.Write, $"Manage its secrets with {ModuleName}\\Set-Secret -Vault {Vault}.");

    private static string Text(object? value) => value switch
    {
        PSObject wrapped => Text(wrapped.BaseObject),
        SecureString secure => new System.Net.NetworkCredential(string.Empty, secure).Password,
        byte[] bytes => Convert.ToBase64String(bytes),
        null => "",
        _ => value.ToString() ?? "",
    };

    private IReadOnlyList<PSObject> Invoke(string command, params (string Name, object Value)[] parameters)
    {
        EnsureModule();
        using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand($"{ModuleName}\\{command}");
        foreach (var (name, value) in parameters) shell.AddParameter(name, value);
        shell.AddParameter("ErrorAction", ActionPreference.Stop);
        try
        {
            return shell.Invoke().Where(o => o is not null).ToList();
        }
        catch (RuntimeException e)
        {
            throw new StackOpsException("SecretManagementError", ErrorKind.InvalidOperation,
                $"The SecretManagement vault '{Vault}' (secret backend '{Name}') failed: {SecretMasker.Shared.Apply(e.Message)} Check the vault with Test-SecretVault -Name {Vault}.", Name);
        }
    }

    private void EnsureModule()
    {
        if (_moduleChecked) return;
        using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        var found = shell.AddCommand("Microsoft.PowerShell.Core\\Get-Module").AddParameter("Name", ModuleName).AddParameter("ListAvailable").Invoke();
        if (found.Count == 0)
            throw new StackOpsException("SecretManagementUnavailable", ErrorKind.NotFound,
                $"The secret backend '{Name}' reads the SecretManagement vault '{Vault}', but the {ModuleName} module is not installed. Install it (Install-PSResource {ModuleName}, with a vault extension such as Microsoft.PowerShell.SecretStore), register the vault with Register-SecretVault, or use another backend with -Backend.", Name);
        _moduleChecked = true;
    }
}
