using StackOps.Core.Errors;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.Core.Flavors;

/// <summary>The built-in flavors (an embedded document stream, in the same language as custom flavors) and a store's custom ones.</summary>
public sealed class FlavorCatalog
{
    private const string ResourceName = "StackOps.Core.Flavors.builtin-flavors.yaml";

    private static readonly Lazy<IReadOnlyList<Flavor>> BuiltInFlavors = new(LoadBuiltIn);

    private readonly DocumentView _view;

    internal FlavorCatalog(DocumentView view) => _view = view;

    public static IReadOnlyList<Flavor> BuiltIn => BuiltInFlavors.Value;

    public static Flavor? FindBuiltIn(string type, string name) =>
        BuiltIn.FirstOrDefault(f => f.Type == type && string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    public Listing<Flavor> List(string? type)
    {
        var custom = _view.CustomFlavors(type);
        var items = BuiltIn.Where(f => type is null || f.Type == type)
            .Concat(custom.Items.Where(c => FindBuiltIn(c.Type, c.Name) is null))
            .OrderBy(f => Model.ComponentTypes.Order(f.Type)).ThenBy(f => f.Name, StringComparer.OrdinalIgnoreCase).ToList();
        return custom with { Items = items };
    }

    public Flavor? Find(string type, string name) => FindBuiltIn(type, name) ?? _view.CustomFlavor(type, name);

    public Flavor Get(string type, string name) => Find(type, name) ?? throw Fail.FlavorNotFound(type, name);

    private static IReadOnlyList<Flavor> LoadBuiltIn()
    {
        using var stream = typeof(FlavorCatalog).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException($"{ResourceName} is missing from the assembly");
        using var reader = new StreamReader(stream);
        return DocumentCodec.ReadAll(reader.ReadToEnd(), "builtin-flavors.yaml", builtIn: true).Cast<Flavor>().ToList();
    }
}
