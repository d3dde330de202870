using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.IO;

namespace StackOps.Core.Secrets;

/// <summary>
/// The default backend: one file per secret in the user's StackOps home (secrets/NAME.secret),
/// each encrypted with AES-256-GCM under a random 256-bit key kept in secrets.key (created
/// readable by the user alone) or given in $env:STACKOPS_SECRETS_KEY. A file names its secret
/// and the key's id in clear; both are authenticated with the ciphertext, so a wrong key, an
/// edited byte or a file renamed to another secret is an error, never garbage. Writes are atomic
/// under the folder's lock, as in the store.
/// </summary>
public sealed class LocalSecretBackend : ISecretBackend
{
    public const string KeyVariable = "STACKOPS_SECRETS_KEY";
    private const string Format = "stackops-secret/v1";
    private const string Extension = ".secret";
    private const int KeyBytes = 32, NonceBytes = 12, TagBytes = 16;
    /// <summary>A secret file holds a few keys (a certificate, a kubeconfig at most): a larger one is not StackOps'.</summary>
    private const int MaxFileBytes = 1024 * 1024;
    private const SecretBackendCapabilities All = SecretBackendCapabilities.Read | SecretBackendCapabilities.Write | SecretBackendCapabilities.List;

    /// <summary>The backend over a user's StackOps home; another folder of it (the server connection's) keeps its own files under the same key.</summary>
    public LocalSecretBackend(string name, string userHome, string folder = "secrets")
    {
        Name = name;
        Folder = Path.Combine(userHome, folder);
        KeyFile = Path.Combine(userHome, "secrets.key");
    }

    /// <summary>The local type over a user's StackOps home.</summary>
    public static SecretBackendTypeDefinition Type(string userHome) =>
        new(SecretBackendTypes.Local, "Encrypted files in the user's StackOps home (AES-256-GCM).",
            All, context => new LocalSecretBackend(context.Name, userHome));

    public string Name { get; }
    public string Folder { get; }
    public string KeyFile { get; }
    public SecretBackendCapabilities Capabilities => All;

    public Secret? Read(string name)
    {
        var file = Find(name);
        if (file is null) return null;
        var text = SafeFiles.ReadTextIfExists(file, MaxFileBytes, "SecretTampered");
        if (text is null) return null;
        return Decrypt(Path.GetFileNameWithoutExtension(file), file, text, LoadKey());
    }

    public bool Exists(string name) => Find(name) is not null;

    public IReadOnlyList<string> List() =>
        Directory.Exists(Folder)
            ? Directory.EnumerateFiles(Folder, "*" + Extension).Select(Path.GetFileNameWithoutExtension).OfType<string>()
                .Where(n => !n.StartsWith('.')).Order(StringComparer.OrdinalIgnoreCase).ToList()
            : [];

    public ISecretTransaction Begin() => new Transaction(this, SafeFiles.AcquireLock(Folder));

    private string PathOf(string name) => Path.Combine(Folder, name + Extension);

    /// <summary>The exact file, else the one whose name differs only in case (secret names are case-insensitive).</summary>
    private string? Find(string name)
    {
        var exact = PathOf(name);
        if (File.Exists(exact)) return exact;
        if (!Directory.Exists(Folder)) return null;
        return Directory.EnumerateFiles(Folder, "*" + Extension)
            .FirstOrDefault(f => string.Equals(Path.GetFileNameWithoutExtension(f), name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The key from $env:STACKOPS_SECRETS_KEY, else the key file; with create, a new key file when there is none.</summary>
    private byte[] LoadKey(bool create = false)
    {
        if (Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } configured)
            return ParseKey(configured, $"${KeyVariable}");
        if (!File.Exists(KeyFile))
        {
            if (!create) throw Fail.SecretsKeyMissing(KeyFile);
            var key = RandomNumberGenerator.GetBytes(KeyBytes);
            SafeFiles.WriteAtomically(KeyFile, Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"), ownerOnly: true);
            return key;
        }
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            if ((File.GetUnixFileMode(KeyFile) & others) != 0) throw Fail.SecretsKeyInsecure(KeyFile);
        }
        return ParseKey(SafeFiles.ReadText(KeyFile, MaxFileBytes, "SecretsKeyInvalid"), KeyFile);
    }

    private static byte[] ParseKey(string text, string source)
    {
        var key = new byte[KeyBytes];
        return Convert.TryFromBase64String(text.Trim(), key, out var written) && written == KeyBytes ? key : throw Fail.SecretsKeyInvalid(source);
    }

    /// <summary>Names the key without revealing it, so a file written under another key is told apart from a tampered one.</summary>
    private static string KeyId(byte[] key) => Convert.ToHexString(HMACSHA256.HashData(key, "stackops secrets key id"u8))[..16].ToLowerInvariant();

    private static byte[] AssociatedData(string name) => Encoding.UTF8.GetBytes($"{Format}\n{name}");

    private static byte[] Encrypt(Secret secret, byte[] key)
    {
        var payload = new JsonObject
        {
            ["values"] = ToJson(secret.Values),
            ["labels"] = ToJson(secret.Labels),
            ["created"] = secret.Created?.ToString("o"),
            ["updated"] = secret.Updated?.ToString("o"),
        };
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(payload);
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagBytes];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(secret.Name));
        }
        finally { CryptographicOperations.ZeroMemory(plaintext); }
        var envelope = new JsonObject
        {
            ["format"] = Format,
            ["name"] = secret.Name,
            ["keyId"] = KeyId(key),
            ["nonce"] = Convert.ToBase64String(nonce),
            ["tag"] = Convert.ToBase64String(tag),
            ["ciphertext"] = Convert.ToBase64String(ciphertext),
        };
        return JsonSerializer.SerializeToUtf8Bytes(envelope, new JsonSerializerOptions { WriteIndented = true });
    }

    private static Secret Decrypt(string fileName, string file, string text, byte[] key)
    {
        JsonObject envelope;
        byte[] nonce, tag, ciphertext;
        string name, keyId;
        try
        {
            envelope = JsonNode.Parse(text) as JsonObject ?? throw new JsonException();
            if ((string?)envelope["format"] != Format) throw Fail.SecretTampered(fileName, file, $"is not a '{Format}' file");
            name = (string?)envelope["name"] ?? throw new JsonException();
            keyId = (string?)envelope["keyId"] ?? throw new JsonException();
            nonce = Convert.FromBase64String((string?)envelope["nonce"] ?? throw new JsonException());
            tag = Convert.FromBase64String((string?)envelope["tag"] ?? throw new JsonException());
            ciphertext = Convert.FromBase64String((string?)envelope["ciphertext"] ?? throw new JsonException());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw Fail.SecretTampered(fileName, file, "is not a well-formed secret file");
        }
        if (!string.Equals(name, fileName, StringComparison.OrdinalIgnoreCase))
            throw Fail.SecretTampered(fileName, file, $"holds the secret '{name}', not '{fileName}' (was it renamed by hand?)");
        if (keyId != KeyId(key)) throw Fail.SecretsKeyMismatch(name, file);
        if (nonce.Length != NonceBytes || tag.Length != TagBytes) throw Fail.SecretTampered(name, file, "is not a well-formed secret file");

        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AssociatedData(name));
            var payload = JsonNode.Parse(plaintext) as JsonObject ?? throw new JsonException();
            return new Secret(name, FromJson(payload["values"]), FromJson(payload["labels"]), Date(payload["created"]), Date(payload["updated"]));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw Fail.SecretTampered(name, file, "was modified after it was written (its authentication tag does not match)");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Fail.SecretTampered(name, file, "decrypts to something that is not a secret");
        }
        finally { CryptographicOperations.ZeroMemory(plaintext); }
    }

    private static JsonObject ToJson(IReadOnlyDictionary<string, string> map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map) json[key] = value;
        return json;
    }

    private static Dictionary<string, string> FromJson(JsonNode? node) =>
        (node as JsonObject)?.ToDictionary(p => p.Key, p => (string?)p.Value ?? throw new JsonException(), StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    private static DateTimeOffset? Date(JsonNode? node) => node is null ? null : DateTimeOffset.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Transaction : ISecretTransaction
    {
        private readonly LocalSecretBackend _backend;
        private readonly IDisposable _lock;
        /// <summary>By lower-case name: the secret to write, or null to delete.</summary>
        private readonly Dictionary<string, (string Name, Secret? Secret)> _pending = new(StringComparer.OrdinalIgnoreCase);

        public Transaction(LocalSecretBackend backend, IDisposable lockHandle)
        {
            _backend = backend;
            _lock = lockHandle;
        }

        public Secret? Read(string name) => _pending.TryGetValue(name, out var pending) ? pending.Secret : _backend.Read(name);

        public void Put(Secret secret) => _pending[secret.Name] = (secret.Name, secret);

        public void Delete(string name)
        {
            // A rename that only changes case puts the new name after deleting the old: keep the put.
            if (_pending.TryGetValue(name, out var pending) && pending.Secret is not null && !string.Equals(pending.Name, name, StringComparison.Ordinal)) return;
            _pending[name] = (name, null);
        }

        public void Commit()
        {
            if (_pending.Values.Any(p => p.Secret is not null))
            {
                var key = _backend.LoadKey(create: !_backend.List().Any());
                foreach (var (_, secret) in _pending.Values.Where(p => p.Secret is not null))
                {
                    var existing = _backend.Find(secret!.Name);
                    var target = _backend.PathOf(secret.Name);
                    SafeFiles.WriteAtomically(target, Encrypt(secret, key), ownerOnly: true, temporaryFolder: Path.Combine(_backend.Folder, SafeFiles.TemporaryFolderName));
                    if (existing is not null && OperatingSystem.IsLinux() && !string.Equals(existing, target, StringComparison.Ordinal)) File.Delete(existing);
                }
            }
            foreach (var (name, _) in _pending.Values.Where(p => p.Secret is null))
                if (_backend.Find(name) is { } file) File.Delete(file);
            _pending.Clear();
        }

        public void Dispose() => _lock.Dispose();
    }
}
