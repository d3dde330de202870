using System.Globalization;
using System.Text.RegularExpressions;
using StackOps.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace StackOps.Core.Yaml;

/// <summary>
/// Reads YAML into YamlDotNet's representation model (which keeps each node's line) and writes
/// plain .NET trees (dictionaries, lists, scalars) back as YAML. Scalars are resolved with the
/// YAML 1.2 core schema: quoted values are strings, plain ones may be null, bool, int or float.
/// </summary>
public static partial class YamlText
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .WithIndentedSequences()
        .Build();

    /// <summary>Parses every document of a YAML text within <see cref="YamlLimits"/>; any problem is InvalidYaml naming the source and line.</summary>
    public static IReadOnlyList<YamlNode> Parse(string text, string source)
    {
        if (text.Length > YamlLimits.MaxDocumentBytes)
            throw TooLarge(source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new BoundedParser(new Parser(new StringReader(text)), source));
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            throw Invalid(source, e.Start, $"the YAML does not parse ({Tidy(reason)})", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new StackOpsException("InvalidYaml", ErrorKind.InvalidData,
                $"{source}: the YAML does not parse ({Tidy(e.Message)}). {FixHint}", source, e);
        }
        return stream.Documents.Select(d => d.RootNode).ToList();
    }

    private const string FixHint = "Fix the file; StackOps never rewrites or deletes it.";

    internal static StackOpsException Invalid(string source, Mark at, string problem, Exception? inner = null) =>
        new("InvalidYaml", ErrorKind.InvalidData, $"{source}, line {at.Line}, column {at.Column}: {problem}. {FixHint}", source, inner);

    internal static StackOpsException TooLarge(string source) =>
        new("InvalidYaml", ErrorKind.InvalidData,
            $"{source}: the YAML is larger than {YamlLimits.MaxDocumentBytes / 1024 / 1024} MiB, the most StackOps reads ({YamlLimits.Describe}). {FixHint}", source);

    public static string Write(object tree) => Serializer.Serialize(tree);

    public static string WriteAll(IEnumerable<object> trees) =>
        string.Join("---\n", trees.Select(Write));

    /// <summary>Converts a node to a plain tree: Dictionary&lt;string, object?&gt;, List&lt;object?&gt;, string, long, double, bool or null.</summary>
    public static object? ToValue(YamlNode node) => node switch
    {
        YamlScalarNode scalar => Resolve(scalar),
        YamlSequenceNode sequence => sequence.Children.Select(ToValue).ToList(),
        YamlMappingNode mapping => mapping.Children.ToDictionary(
            pair => pair.Key is YamlScalarNode key ? key.Value ?? "" : pair.Key.ToString(), pair => ToValue(pair.Value), StringComparer.Ordinal),
        _ => null,
    };

    /// <summary>
    /// A plain tree (what <see cref="ToValue"/> returns, and what the adapters make of the values given to
    /// a parameter) as nodes, so that one reader reads documents and given values alike: text stays text.
    /// </summary>
    public static YamlNode ToNode(object? value) => value switch
    {
        null => new YamlScalarNode("null"),
        string text => new YamlScalarNode(text) { Style = ScalarStyle.DoubleQuoted },
        bool flag => new YamlScalarNode(flag ? "true" : "false"),
        IFormattable number => new YamlScalarNode(number.ToString(null, CultureInfo.InvariantCulture)),
        IDictionary<string, object?> map => new YamlMappingNode(map.Select(p => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(p.Key), ToNode(p.Value)))),
        IEnumerable<object?> items => new YamlSequenceNode(items.Select(ToNode)),
        _ => new YamlScalarNode(value.ToString()) { Style = ScalarStyle.DoubleQuoted },
    };

    private static object? Resolve(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return text;
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
            case ".inf" or ".Inf" or ".INF" or "+.inf": return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF": return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN": return double.NaN;
        }
        if (IntPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return integer;
        if (text.StartsWith("0x") && long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)) return hex;
        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)) return real;
        return text;
    }

    private static string Tidy(string reason) => reason.TrimEnd('.', ' ');

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
