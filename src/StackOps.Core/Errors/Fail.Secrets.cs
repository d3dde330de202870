using StackOps.Abstractions;
using StackOps.Core.Secrets;

namespace StackOps.Core.Errors;

/// <summary>The errors of secrets and their backends. None holds a value: names, keys, files and lines only.</summary>
public static partial class Fail
{
    public static StackOpsException SecretNotFound(string name, string backend) =>
        new("SecretNotFound", ErrorKind.NotFound, $"Secret '{name}' was not found in the secret backend '{backend}'. Run Get-StackSecret -Backend {backend} to list its secrets, or New-StackSecret {name} to create it.", name);

    public static StackOpsException SecretKeyNotFound(Secret secret, string key, string backend) =>
        new("SecretKeyNotFound", ErrorKind.NotFound, $"Secret '{secret.Name}' in the secret backend '{backend}' has no key '{key}' (its keys: {string.Join(", ", secret.Keys)}). Add it with Set-StackSecret {secret.Name} -Key {key}.", secret.Name);

    public static StackOpsException SecretBackendNotFound(string name, IEnumerable<string> known) =>
        new("SecretBackendNotFound", ErrorKind.NotFound, $"Secret backend '{name}' is not registered in this store (known: {string.Join(", ", known)}). Run Get-StackSecretBackend to list them, or Register-StackSecretBackend to add one.", name);

    /// <summary>A backend without a capability; the target is the backend's definition when the caller has it, else its name.</summary>
    public static StackOpsException SecretBackendCannot(string backend, string type, SecretBackendCapabilities needed, string hint, object? target = null) =>
        new(needed == SecretBackendCapabilities.Write ? "SecretBackendReadOnly" : "SecretBackendUnsupported", ErrorKind.InvalidOperation,
            $"The secret backend '{backend}' ({type}) cannot {needed.ToString().ToLowerInvariant()} secrets. {hint}", target ?? backend);

    public static StackOpsException SecretsKeyMissing(string keyFile) =>
        new("SecretsKeyMissing", ErrorKind.NotFound, $"The local secrets are encrypted, but their key file '{keyFile}' is missing and ${LocalSecretBackend.KeyVariable} is not set. Restore the key file from your backup, or set ${LocalSecretBackend.KeyVariable} to the key (base64) the secrets were written with.", keyFile);

    public static StackOpsException SecretsKeyInvalid(string source) =>
        new("SecretsKeyInvalid", ErrorKind.InvalidData, $"The secrets key in {source} is not a base64-encoded 256-bit key. Give the 44-character base64 text of 32 random bytes, or restore the key file from your backup.", source);

    public static StackOpsException SecretsKeyInsecure(string keyFile) =>
        new("SecretsKeyInsecure", ErrorKind.SecurityError, $"The secrets key file '{keyFile}' can be read or written by other users. Restrict it to yourself (chmod 600 '{keyFile}'), then retry.", keyFile);

    public static StackOpsException SecretsKeyMismatch(string name, string file) =>
        new("SecretsKeyMismatch", ErrorKind.SecurityError, $"Secret '{name}' ({file}) was encrypted with another key than the current one (the key file or ${LocalSecretBackend.KeyVariable}). Use the key it was written with, or remove the secret with Remove-StackSecret {name} -Force and create it again.", name);

    public static StackOpsException SecretTampered(string name, string file, string reason) =>
        new("SecretTampered", ErrorKind.SecurityError, $"Secret '{name}' cannot be trusted: {file} {reason}. Restore the file from a backup, or remove it with Remove-StackSecret {name} -Force and create it again.", name);

    /// <summary>A value that would be prompted for in a session that must not prompt; <paramref name="giveIt"/> says how the command takes it instead.</summary>
    public static StackOpsException SecretValueMissing(string secret, string key, string giveIt) =>
        new("SecretValueMissing", ErrorKind.InvalidArgument, $"No value was given for key '{key}' of secret '{secret}', and this session is not interactive ($env:CI is set or input is redirected), so StackOps does not prompt. Give it as a SecureString instead: {giveIt}.", secret);

    /// <summary>A value too short to mask; <paramref name="backend"/> is the backend it was read from, null for a value being given.</summary>
    public static StackOpsException SecretValueTooShort(string secret, string key, SecretBackendDefinition? backend)
    {
        var where = backend is null ? "" : $" in the secret backend '{backend.Name}'";
        var what = backend?.Type switch
        {
            null => "Give a longer value",
            SecretBackendTypes.Environment => $"Set $env:{EnvironmentSecretBackend.VariableName(secret, key)} to a longer value",
            SecretBackendTypes.SecretManagement => $"Store a longer value with Set-Secret {secret} -Vault {backend.Vault}",
            _ => $"Store a longer value with Set-StackSecret {secret} -Value @{{ {key} = <SecureString> }}",
        };
        return new("SecretValueTooShort", ErrorKind.InvalidArgument,
            $"The value of key '{key}' of secret '{secret}'{where} is shorter than {SecretMasker.MinimumLength} characters once trimmed: StackOps hides secret values in everything it prints, and cannot hide one that short, so it does not take it. {what} (rotate the credential if it really is that short), then retry.", secret);
    }

    /// <summary>A credential given as clear text; <paramref name="markIt"/> is how the command marks a key that is not secret, when it can.</summary>
    public static StackOpsException PlainTextSecretValue(string secret, string key, string? markIt) =>
        new("PlainTextSecretValue", ErrorKind.InvalidArgument, $"The value of key '{key}' of secret '{secret}' was given as clear text. Give it as a SecureString (Read-Host -AsSecureString, or ConvertTo-SecureString), so it stays out of your history and logs{(markIt is null ? "" : $"; if it is not secret, {markIt}")}.", secret);

    public static StackOpsException SecretInUse(string name, IEnumerable<string> components) =>
        new("SecretInUse", ErrorKind.InvalidOperation, $"Secret '{name}' is referenced by {string.Join(", ", components)}. Change those references first, or pass -Force to remove it anyway (they will then fail to resolve).", name);
}
