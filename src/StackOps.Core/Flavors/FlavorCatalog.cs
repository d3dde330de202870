using StackOps.Core.Errors;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.Core.Flavors;

/// <summary>The built-in flavors (an embedded document stream, in the same language as custom flavors), those of registered integrations, and a store's custom ones.</summary>
public sealed class FlavorCatalog
{
    private const string ResourceName = "StackOps.Core.Flavors.builtin-flavors.yaml";

    private static readonly Lazy<IReadOnlyList<Flavor>> BuiltInFlavors = new(LoadBuiltIn);
    private static readonly Lazy<Dictionary<(string Type, string Name), Flavor>> BuiltInIndex =
        new(() => BuiltIn.ToDictionary(f => (f.Type, f.Name.ToLowerInvariant())));

    private readonly DocumentView _view;
    /// <summary>Custom flavors already read: listing components looks up each component's flavor.</summary>
    private readonly Dictionary<(string Type, string Name), Flavor?> _custom = new();

    internal FlavorCatalog(DocumentView view) => _view = view;

    public static IReadOnlyList<Flavor> BuiltIn => BuiltInFlavors.Value;

    public static Flavor? FindBuiltIn(string type, string name) =>
        BuiltInIndex.Value.GetValueOrDefault((type, name.ToLowerInvariant()));

    public Listing<Flavor> List(string? type)
    {
        var custom = _view.CustomFlavors(type);
        var integrations = _view.IntegrationFlavors().Where(f => type is null || f.Type == type).ToList();
        var items = BuiltIn.Where(f => type is null || f.Type == type)
            .Concat(integrations)
            .Concat(custom.Items.Where(c => FindBuiltIn(c.Type, c.Name) is null && !integrations.Any(i => i.Type == c.Type && string.Equals(i.Name, c.Name, StringComparison.OrdinalIgnoreCase))))
            .OrderBy(f => Model.ComponentTypes.Order(f.Type)).ThenBy(f => f.Name, StringComparer.OrdinalIgnoreCase).ToList();
        return custom with { Items = items };
    }

    public Flavor? Find(string type, string name)
    {
        var builtIn = FindBuiltIn(type, name);
        if (builtIn is not null) return builtIn;
        if (_view.IntegrationFlavors().FirstOrDefault(f => f.Type == type && string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)) is { } integrated) return integrated;
        var key = (type, name.ToLowerInvariant());
        if (!_custom.TryGetValue(key, out var custom)) _custom[key] = custom = _view.CustomFlavor(type, name);
        return custom;
    }

    public Flavor Get(string type, string name) => Find(type, name) ?? throw Fail.FlavorNotFound(type, name);

    private static IReadOnlyList<Flavor> LoadBuiltIn()
    {
        using var stream = typeof(FlavorCatalog).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException($"{ResourceName} is missing from the assembly");
        using var reader = new StreamReader(stream);
        return DocumentCodec.ReadAll(reader.ReadToEnd(), "builtin-flavors.yaml", builtIn: true).Cast<Flavor>().ToList();
    }
}
