using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Secrets;

namespace StackOps.Server.Data;

/// <summary>
/// Where the server keeps connectors' credentials, encrypted at rest with envelope encryption:
/// each connector's credentials under a data key of their own (AES-256-GCM, bound to the
/// connector's name and binding), each data key wrapped by the operator's key (CredentialKeys: one
/// or more base64 keys of 32 bytes, the first one current). Rotating the operator's key re-wraps
/// the data keys, never the credentials. Nothing here ever answers a credential's value to a client:
/// the broker issues credentials from it.
/// </summary>
public sealed class CredentialVault
{
    public const string KeysSetting = "CredentialKeys", KeysVariable = "STACKOPS_SERVER_CREDENTIAL_KEYS";
    private const int KeyBytes = 32, NonceBytes = 12, TagBytes = 16;
    private readonly IReadOnlyList<(string Id, byte[] Key)> _keys;
    private readonly TimeProvider _clock;

    public CredentialVault(string? keys, TimeProvider clock)
    {
        _clock = clock;
        _keys = (keys ?? "").Split([',', ';', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToList();
    }

    /// <summary>A stored connector's credentials, with the binding they were saved for.</summary>
    public sealed record Entry(IReadOnlyDictionary<string, string> Values, string Binding, string UpdatedBy, string UpdatedAt);

    private static (string Id, byte[] Key) Parse(string text)
    {
        var key = new byte[KeyBytes];
        if (!Convert.TryFromBase64String(text.Trim(), key, out var written) || written != KeyBytes)
            throw new InvalidOperationException($"A {KeysSetting} entry is not 32 bytes in base64 (openssl rand -base64 32 makes one).");
        return (IdOf(key), key);
    }

    private static string IdOf(byte[] key) => Convert.ToHexString(HMACSHA256.HashData(key, "stackops credential key id"u8))[..16].ToLowerInvariant();

    private (string Id, byte[] Key) Current => _keys.Count > 0 ? _keys[0] : throw new StackOpsException("CredentialKeyMissing", ErrorKind.InvalidOperation,
        $"This server has no key to keep connector credentials with. Its operator sets {KeysSetting} (or ${KeysVariable}) to a base64 key of 32 bytes (openssl rand -base64 32) and restarts it.");

    public void Put(DbConnection connection, DbTransaction transaction, string connector, IReadOnlyDictionary<string, string> values, string binding, string by)
    {
        var (keyId, masterKey) = Current;
        var dataKey = RandomNumberGenerator.GetBytes(KeyBytes);
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(values);
        try
        {
            var (nonce, ciphertext, tag) = Seal(dataKey, plaintext, AssociatedData(connector, binding));
            var wrapped = Wrap(masterKey, dataKey, connector);
            connection.Execute("DELETE FROM connector_credentials WHERE connector_key = @key", new { key = connector.ToLowerInvariant() }, transaction);
            connection.Execute("""
                INSERT INTO connector_credentials (connector_key, connector, binding, key_id, wrapped_key, nonce, ciphertext, tag, updated_by, updated_at)
                VALUES (@key, @connector, @binding, @keyId, @wrapped, @nonce, @ciphertext, @tag, @by, @at)
                """, new
            {
                key = connector.ToLowerInvariant(), connector, binding, keyId, wrapped, nonce = Convert.ToBase64String(nonce),
                ciphertext = Convert.ToBase64String(ciphertext), tag = Convert.ToBase64String(tag), by, at = _clock.GetUtcNow().UtcDateTime.ToString(Migrations.TimeFormat),
            }, transaction);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public Entry? Read(DbConnection connection, DbTransaction? transaction, string connector)
    {
        var row = connection.QuerySingleOrDefault("SELECT connector, binding, key_id, wrapped_key, nonce, ciphertext, tag, updated_by, updated_at FROM connector_credentials WHERE connector_key = @key",
            new { key = connector.ToLowerInvariant() }, transaction);
        if (row is null) return null;
        var master = _keys.FirstOrDefault(k => k.Id == (string)row.key_id);
        if (master.Key is null)
            throw new StackOpsException("CredentialKeyMissing", ErrorKind.InvalidOperation,
                $"The credentials of service connector '{connector}' were kept under the key {row.key_id}, which this server no longer has. Its operator adds that key back to {KeysSetting} (after the current one), or an admin gives the credentials again.", connector);
        var dataKey = Unwrap(master.Key, (string)row.wrapped_key, connector);
        try
        {
            var plaintext = Open(dataKey, Convert.FromBase64String((string)row.nonce), Convert.FromBase64String((string)row.ciphertext), Convert.FromBase64String((string)row.tag),
                AssociatedData((string)row.connector, (string)row.binding), connector);
            try
            {
                var values = JsonSerializer.Deserialize<Dictionary<string, string>>(plaintext)!;
                return new Entry(values, (string)row.binding, (string)row.updated_by, (string)row.updated_at);
            }
            finally { CryptographicOperations.ZeroMemory(plaintext); }
        }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    public void Delete(DbConnection connection, DbTransaction transaction, string connector) =>
        connection.Execute("DELETE FROM connector_credentials WHERE connector_key = @key", new { key = connector.ToLowerInvariant() }, transaction);

    /// <summary>Re-wraps every data key kept under an older key with the current one; returns how many moved.</summary>
    public int Rotate(ServerDatabase database)
    {
        if (_keys.Count == 0) return 0;
        var (currentId, currentKey) = Current;
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        var moved = 0;
        foreach (var row in connection.Query("SELECT connector, key_id, wrapped_key FROM connector_credentials WHERE key_id <> @currentId", new { currentId }, transaction).ToList())
        {
            var old = _keys.FirstOrDefault(k => k.Id == (string)row.key_id);
            if (old.Key is null) continue;
            var dataKey = Unwrap(old.Key, (string)row.wrapped_key, (string)row.connector);
            try
            {
                connection.Execute("UPDATE connector_credentials SET key_id = @currentId, wrapped_key = @wrapped WHERE connector_key = @key",
                    new { currentId, wrapped = Wrap(currentKey, dataKey, (string)row.connector), key = ((string)row.connector).ToLowerInvariant() }, transaction);
                moved++;
            }
            finally { CryptographicOperations.ZeroMemory(dataKey); }
        }
        transaction.Commit();
        return moved;
    }

    private static byte[] AssociatedData(string connector, string binding) => Encoding.UTF8.GetBytes($"stackops.io/credentials/v1\n{connector.ToLowerInvariant()}\n{binding}");

    private static string Wrap(byte[] masterKey, byte[] dataKey, string connector)
    {
        var (nonce, ciphertext, tag) = Seal(masterKey, dataKey, Encoding.UTF8.GetBytes($"stackops.io/data-key/v1\n{connector.ToLowerInvariant()}"));
        return Convert.ToBase64String([.. nonce, .. tag, .. ciphertext]);
    }

    private static byte[] Unwrap(byte[] masterKey, string wrapped, string connector)
    {
        var bytes = Convert.FromBase64String(wrapped);
        return Open(masterKey, bytes[..NonceBytes], bytes[(NonceBytes + TagBytes)..], bytes[NonceBytes..(NonceBytes + TagBytes)],
            Encoding.UTF8.GetBytes($"stackops.io/data-key/v1\n{connector.ToLowerInvariant()}"), connector);
    }

    private static (byte[] Nonce, byte[] Ciphertext, byte[] Tag) Seal(byte[] key, byte[] plaintext, byte[] associated)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, associated);
        return (nonce, ciphertext, tag);
    }

    private static byte[] Open(byte[] key, byte[] nonce, byte[] ciphertext, byte[] tag, byte[] associated, string connector)
    {
        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(nonce, ciphertext, tag, plaintext, associated);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new StackOpsException("SecretTampered", ErrorKind.SecurityError,
                $"The stored credentials of service connector '{connector}' do not decrypt: they were changed in the database, or moved from another connector. An admin gives them again (Set-ServiceConnector).", connector);
        }
    }
}

/// <summary>
/// The vault as the engine's secret backend on the server: a connector's secret (connector-NAME)
/// reads from it, with its binding as a label, so the engine's connector code issues credentials
/// on the server exactly as it does on a client's machine. Read-only: the broker writes the vault.
/// </summary>
public sealed class VaultSecretBackend(CredentialVault vault, ServerDatabase database) : ISecretBackend
{
    public const string Name = "server-vault";

    string ISecretBackend.Name => Name;

    public SecretBackendCapabilities Capabilities => SecretBackendCapabilities.Read;

    public Secret? Read(string name)
    {
        if (!name.StartsWith(Core.Connectors.ServiceConnector.SecretPrefix, StringComparison.OrdinalIgnoreCase)) return null;
        using var connection = database.Open();
        var entry = vault.Read(connection, null, name[Core.Connectors.ServiceConnector.SecretPrefix.Length..]);
        return entry is null ? null : new Secret(name, entry.Values, new Dictionary<string, string> { [Core.Connectors.ConnectorService.BindingLabel] = entry.Binding });
    }

    public bool Exists(string name) => Read(name) is not null;

    public IReadOnlyList<string> List() => [];

    public ISecretTransaction Begin() => throw new StackOpsException("SecretBackendReadOnly", ErrorKind.InvalidOperation, "The server's credential vault is written by the broker only.");
}
