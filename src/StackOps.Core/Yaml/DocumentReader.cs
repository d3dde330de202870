using StackOps.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace StackOps.Core.Yaml;

/// <summary>
/// Typed access to one YAML document, failing with the file, line and key of the first problem,
/// so a hand-edited document that is wrong says exactly where.
/// </summary>
public sealed class DocumentReader
{
    public DocumentReader(string source, YamlNode root)
    {
        Source = source;
        Root = root as YamlMappingNode ?? throw Invalid(root, "", "the document must be a mapping (key: value pairs)");
    }

    public string Source { get; }
    public YamlMappingNode Root { get; }

    public YamlNode? Find(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

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

    /// <summary>A list of text values; a single value stands for a list of one (allowedRefs: refs/tags/v*).</summary>
    public IReadOnlyList<string> StringList(YamlMappingNode parent, string key, string path)
    {
        var node = Find(parent, key);
        if (node is null || IsNull(node)) return [];
        if (node is YamlScalarNode single) return [single.Value ?? ""];
        if (node is not YamlSequenceNode sequence || sequence.Children.Any(c => c is not YamlScalarNode))
            throw Invalid(node, Join(path, key), "expected a list of text values");
        return sequence.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
    }

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

    public StackOpsException Invalid(YamlNode node, string path, string problem) =>
        new("InvalidDocument", ErrorKind.InvalidData,
            $"{Source}, line {node.Start.Line}{(path.Length > 0 ? $", key '{path}'" : "")}: {problem}. Fix the document; StackOps never rewrites or deletes it.", Source);

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsNull(YamlNode node) => node is YamlScalarNode s && YamlText.ToValue(s) is null;
}
