namespace StackOps.Abstractions;

/// <summary>What a secret backend can do; callers ask before they act, so a new vault only declares its own.</summary>
[Flags]
public enum SecretBackendCapabilities
{
    /// <summary>Nothing (a backend that cannot be opened is listed so).</summary>
    None = 0,
    /// <summary>Reads secrets (<see cref="ISecretBackend.Read"/>, <see cref="ISecretBackend.Exists"/>).</summary>
    Read = 1,
    /// <summary>Creates, changes and removes secrets (<see cref="ISecretBackend.Begin"/>).</summary>
    Write = 2,
    /// <summary>Lists the names of its secrets (<see cref="ISecretBackend.List"/>).</summary>
    List = 4,
}

/// <summary>
/// Where secret values live. Small on purpose: a vault is added by implementing it, without touching
/// its callers. No member may put a secret value in an exception's message: StackOps masks the values
/// it knows in what a backend throws, but a value it has never seen cannot be masked.
/// </summary>
public interface ISecretBackend
{
    /// <summary>The name the backend is registered by.</summary>
    string Name { get; }

    /// <summary>What it can do.</summary>
    SecretBackendCapabilities Capabilities { get; }

    /// <summary>The secret, or null when there is none of that name (names are case-insensitive).</summary>
    Secret? Read(string name);

    /// <summary>Whether a secret of that name exists, without reading its values when the backend can tell.</summary>
    bool Exists(string name);

    /// <summary>The names of the secrets (List capability).</summary>
    IReadOnlyList<string> List();

    /// <summary>A change of several secrets under the backend's lock, written atomically on commit (Write capability).</summary>
    ISecretTransaction Begin();
}

/// <summary>A change of several secrets of one backend: nothing is written before <see cref="Commit"/>; disposing without it abandons the change.</summary>
public interface ISecretTransaction : IDisposable
{
    /// <summary>The secret as the transaction sees it (its own changes included), or null when there is none of that name.</summary>
    Secret? Read(string name);

    /// <summary>Creates or replaces a secret.</summary>
    void Put(Secret secret);

    /// <summary>Removes a secret.</summary>
    void Delete(string name);

    /// <summary>Writes the changes.</summary>
    void Commit();
}

/// <summary>
/// A named set of key → value pairs with optional labels. <see cref="ToString"/> and every
/// other member that a log, an error or a formatter may show give names only, never values.
/// </summary>
public sealed class Secret
{
    /// <summary>A secret of those values (copied, sorted by key) and labels.</summary>
    public Secret(string name, IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string>? labels = null,
        DateTimeOffset? created = null, DateTimeOffset? updated = null)
    {
        Name = name;
        Values = new SortedDictionary<string, string>(values.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        Labels = labels ?? new Dictionary<string, string>();
        Created = created;
        Updated = updated;
    }

    /// <summary>Its name.</summary>
    public string Name { get; }

    /// <summary>Its keys, in ordinal order.</summary>
    public IReadOnlyList<string> Keys => Values.Keys.ToList();

    /// <summary>Its labels (never secret).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>When it was created, when the backend knows.</summary>
    public DateTimeOffset? Created { get; }

    /// <summary>When it was last changed, when the backend knows.</summary>
    public DateTimeOffset? Updated { get; }

    /// <summary>The clear values: for the adapters to turn into SecureStrings or environment variables, never to print.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>A copy with the members given changed.</summary>
    public Secret With(string? name = null, IReadOnlyDictionary<string, string>? values = null, IReadOnlyDictionary<string, string>? labels = null,
        DateTimeOffset? created = null, DateTimeOffset? updated = null) =>
        new(name ?? Name, values ?? Values, labels ?? Labels, created ?? Created, updated ?? Updated);

    /// <summary>Its name, never a value.</summary>
    public override string ToString() => Name;
}
