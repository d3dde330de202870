using StackOps.Core.IO;
using StackOps.Core.Yaml;

namespace StackOps.Core.Store;

/// <summary>
/// The active stack, per user and per store: kept in the user's StackOps home (state/active-stacks.yaml),
/// never in a file that gets committed. $env:STACKOPS_ACTIVE_STACK overrides it.
/// </summary>
public sealed class ActiveStacks
{
    public const string OverrideVariable = "STACKOPS_ACTIVE_STACK";
    private readonly string _stateFolder;
    private readonly string _file;
    private readonly string _storeKey;

    public ActiveStacks(StoreLocation location)
    {
        _stateFolder = Path.Combine(location.UserHome, "state");
        _file = Path.Combine(_stateFolder, "active-stacks.yaml");
        _storeKey = location.Scope == Model.StoreScope.Server ? location.Root : location.RepositoryRoot ?? "user";
    }

    public string? Override => Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } name ? name : null;

    /// <summary>The active stack's name: the override, else the one set for this store, else null (default is then active).</summary>
    public string? Get() => Override ?? Stored();

    /// <summary>The stack name set for this store with Set-ActiveStack, ignoring the override.</summary>
    public string? Stored() => Read().TryGetValue(_storeKey, out var name) ? name : null;

    public void Set(string stackName)
    {
        using var _ = SafeFiles.AcquireLock(_stateFolder);
        var all = Read();
        all[_storeKey] = stackName;
        SafeFiles.WriteAtomically(_file, YamlText.Write(all), temporaryFolder: Path.Combine(_stateFolder, SafeFiles.TemporaryFolderName));
    }

    private Dictionary<string, string> Read()
    {
        var text = SafeFiles.ReadTextIfExists(_file, YamlLimits.MaxDocumentBytes, "InvalidYaml");
        if (text is null) return new(StringComparer.Ordinal);
        var root = YamlText.Parse(text, _file).FirstOrDefault();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root is not null && YamlText.ToValue(root) is Dictionary<string, object?> map)
            foreach (var (key, value) in map)
                if (value is string name) result[key] = name;
        return result;
    }
}
