using StackOps.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace StackOps.Core.Yaml;

/// <summary>
/// Typed access to one YAML document, failing with the file, line and key of the first problem,
/// so a hand-edited document that is wrong says exactly where. The same reader reads values
/// given to a parameter (<see cref="ForValues"/>): then keys match regardless of case, as
/// PowerShell's hashtables do, and a problem names the parameter and the key, never a line.
/// </summary>
public sealed class DocumentReader
{
    private readonly bool _givenValues;

    public DocumentReader(string source, YamlNode root)
    {
        Source = source;
        Root = root as YamlMappingNode ?? throw Invalid(root, "", "the document must be a mapping (key: value pairs)");
    }

    private DocumentReader(string parameter)
    {
        Source = parameter;
        Root = new YamlMappingNode();
        _givenValues = true;
    }

    /// <summary>A reader of the values given to a parameter (-Stage), turned into nodes with <see cref="YamlText.ToNode"/>.</summary>
    public static DocumentReader ForValues(string parameter) => new(parameter);

    public string Source { get; }
    public YamlMappingNode Root { get; }

    public YamlNode? Find(YamlMappingNode map, string key) => _givenValues
        ? map.Children.FirstOrDefault(p => string.Equals((p.Key as YamlScalarNode)?.Value, key, StringComparison.OrdinalIgnoreCase)).Value
        : map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    /// <summary>
    /// The items of a list; a single value stands for a list of one (allowedRefs: refs/tags/v*, one
    /// freeze window as a mapping), the same way for every list a document or a parameter holds.
    /// </summary>
    public IReadOnlyList<YamlNode> Items(YamlMappingNode parent, string key)
    {
        var node = Find(parent, key);
        if (node is null || IsNull(node)) return [];
        return node is YamlSequenceNode sequence ? sequence.Children.ToList() : [node];
    }

    /// <summary>Refuses a key this mapping does not have (a misspelt gate must not be ignored).</summary>
    public void OnlyKeys(YamlMappingNode map, string path, params string[] known)
    {
        foreach (var keyNode in map.Children.Keys)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(key, _givenValues ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal))
                throw Invalid(keyNode, Join(path, key), $"'{key}' is not a key here (the keys are {string.Join(", ", known.Select(KeyName))})");
        }
    }

    public YamlMappingNode? Mapping(YamlMappingNode parent, string key, string path, bool required = false)
    {
        var node = Find(parent, key);
        if (node is null || IsNull(node))
            return required ? throw Invalid(parent, Join(path, key), "this key is required") : null;
        return node as YamlMappingNode ?? throw Invalid(node, Join(path, key), "expected a mapping (key: value pairs)");
    }

    public string? String(YamlMappingNode parent, string key, string path, bool required = false)
    {
        var node = Find(parent, key);
        if (node is null || IsNull(node))
            return required ? throw Invalid(parent, Join(path, key), "this key is required") : null;
        if (node is not YamlScalarNode scalar) throw Invalid(node, Join(path, key), "expected a text value");
        return scalar.Value;
    }

    public bool Boolean(YamlMappingNode parent, string key, string path)
    {
        var node = Find(parent, key);
        if (node is null || IsNull(node)) return false;
        return YamlText.ToValue(node) is bool value ? value : throw Invalid(node, Join(path, key), "expected true or false");
    }

    /// <summary>A list of text values; a single value stands for a list of one (<see cref="Items"/>).</summary>
    public IReadOnlyList<string> StringList(YamlMappingNode parent, string key, string path) =>
        Items(parent, key).Select(item => item is YamlScalarNode scalar ? scalar.Value ?? "" : throw Invalid(item, Join(path, key), "expected a list of text values")).ToList();

    /// <summary>A mapping of text to text (labels, stack components).</summary>
    public IReadOnlyDictionary<string, string> StringMap(YamlMappingNode parent, string key, string path)
    {
        var map = Mapping(parent, key, path);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map is null) return result;
        foreach (var (k, v) in map.Children)
        {
            var name = ((YamlScalarNode)k).Value ?? "";
            if (v is not YamlScalarNode scalar || IsNull(v)) throw Invalid(v, Join(Join(path, key), name), "expected a text value");
            result[name] = scalar.Value ?? "";
        }
        return result;
    }

    public Dictionary<string, object?> ValueMap(YamlMappingNode parent, string key, string path)
    {
        var map = Mapping(parent, key, path);
        return map is null ? new Dictionary<string, object?>(StringComparer.Ordinal) : (Dictionary<string, object?>)YamlText.ToValue(map)!;
    }

    public StackOpsException Invalid(YamlNode node, string path, string problem) => _givenValues
        ? new(Validation.ConfigurationValidator.InvalidValue, ErrorKind.InvalidArgument,
            $"The value of {Source}{(path.Length == 0 || path[0] == '[' ? "" : ".")}{string.Join('.', path.Split('.').Select(KeyName))} is not valid: {problem}.", Source)
        : new("InvalidDocument", ErrorKind.InvalidData,
            $"{Source}, line {node.Start.Line}{(path.Length > 0 ? $", key '{path}'" : "")}: {problem}. Fix the document; StackOps never rewrites or deletes it.", Source);

    /// <summary>A key as the user wrote it: camelCase in documents, PascalCase in PowerShell hashtables (FreezeWindows).</summary>
    private string KeyName(string key) => _givenValues && key.Length > 0 ? char.ToUpperInvariant(key[0]) + key[1..] : key;

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsNull(YamlNode node) => node is YamlScalarNode s && YamlText.ToValue(s) is null;
}
