using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Stacks;
using StackOps.Core.Store;
using StackOps.Core.Validation;
using StackOps.Core.Yaml;
using YamlDotNet.RepresentationModel;

namespace StackOps.Core.Interop;

public enum ExportFormat
{
    StackOps,
    ZenML,
}

/// <summary>What Import-Stack did: the stack, and which components it created, reused or replaced.</summary>
public sealed record ImportedStack(Stack Stack, IReadOnlyList<StackComponent> Created, IReadOnlyList<StackComponent> Reused,
    IReadOnlyList<StackComponent> Replaced, IReadOnlyList<Flavor> Flavors);

/// <summary>
/// Export and import of a stack as one self-contained YAML document set (custom flavors, components,
/// the stack), and of ZenML's stack export format (stack_name, components, zenml_version).
/// Secret references stay references: export writes stored configuration, never resolved values.
/// </summary>
public sealed class StackInterchange
{
    /// <summary>The ZenML version written into ZenML-format exports (ZenML warns when it differs from its own).</summary>
    public const string ZenMLVersion = "0.84.0";

    private readonly StackOpsEngine _engine;

    internal StackInterchange(StackOpsEngine engine) => _engine = engine;

    public string Export(string stackName, ExportFormat format = ExportFormat.StackOps)
    {
        var view = _engine.View();
        var stack = _engine.Stacks.Get(stackName);
        var components = stack.Components.Select(p => view.FindComponent(p.Key, p.Value) ?? throw Fail.ComponentNotFound(p.Key, p.Value)).ToList();
        if (format == ExportFormat.ZenML)
            return YamlText.Write(new Dictionary<string, object?>
            {
                ["stack_name"] = stack.Name,
                ["components"] = components.ToDictionary(c => c.Type, c => (object?)new Dictionary<string, object?>
                {
                    ["flavor"] = c.Flavor,
                    ["name"] = c.Name,
                    ["configuration"] = c.Configuration.ToDictionary(p => p.Key, p => p.Value),
                }),
                ["zenml_version"] = ZenMLVersion,
            });
        var catalog = new FlavorCatalog(view);
        var flavors = components.Select(c => catalog.Find(c.Type, c.Flavor)).OfType<Flavor>().Where(f => !f.IsBuiltIn).Distinct().Cast<object>();
        return YamlText.WriteAll(flavors.Concat(components).Append(stack.With(isActive: false)).Select(DocumentCodec.ToTree));
    }

    /// <summary>
    /// Imports a stack. Components identical to stored ones are reused; a stored component of the
    /// same name with another configuration is an error unless a prefix renames the imported ones
    /// or force replaces the stored ones. All or nothing: one commit, after every check.
    /// </summary>
    public ImportedStack Import(string yaml, string source, string? stackName = null, string? componentNamePrefix = null, bool force = false, bool strict = false)
    {
        var (stack, components, flavors) = Parse(yaml, source);
        if (componentNamePrefix is not null)
        {
            components = components.Select(c => c.With(name: NameRules.Validate("Component", componentNamePrefix + c.Name))).ToList();
            stack = stack.With(components: stack.Components.ToDictionary(p => p.Key,
                p => components.Any(c => c.Type == p.Key && c.IsNamed(componentNamePrefix + p.Value)) ? componentNamePrefix + p.Value : p.Value));
        }
        stack = stack.With(name: NameRules.Validate("Stack", stackName ?? stack.Name), scope: _engine.Store.Scope);

        return _engine.Change((transaction, view) =>
        {
            var registered = new List<Flavor>();
            foreach (var flavor in flavors)
            {
                if (FlavorCatalog.FindBuiltIn(flavor.Type, flavor.Name) is not null) throw Fail.BuiltInFlavor(flavor.Type, flavor.Name);
                var existing = view.CustomFlavor(flavor.Type, flavor.Name);
                if (existing is not null && DocumentCodec.ToYaml(existing) == DocumentCodec.ToYaml(flavor)) continue;
                if (existing is not null && !force)
                    throw Fail.AlreadyExists("Flavor", flavor.Name, "It differs from the one in the file; pass -Force to replace it.");
                StackOpsEngine.Write(transaction, flavor);
                registered.Add(flavor);
            }

            var catalog = new FlavorCatalog(view);
            var created = new List<StackComponent>();
            var reused = new List<StackComponent>();
            var replaced = new List<StackComponent>();
            foreach (var component in components)
            {
                var flavor = catalog.Get(component.Type, component.Flavor);
                var imported = component.With(configuration: ConfigurationValidator.Validate(flavor, component.Configuration, component.Name, strict, _engine.Messages.Warning), scope: _engine.Store.Scope);
                var existing = view.FindComponent(component.Type, component.Name);
                if (existing is not null && Same(existing, imported))
                {
                    reused.Add(existing);
                    continue;
                }
                if (existing is not null && (!force || existing.IsDefault))
                {
                    if (existing.IsDefault) throw Fail.DefaultComponentImmutable(existing);
                    throw new StackOpsException("ComponentNameConflict", ErrorKind.AlreadyExists,
                        $"The {existing.Type} '{existing.Name}' already exists with another flavor or configuration. Pass -ComponentNamePrefix to import the file's components under new names, or -Force to replace the stored ones.", existing.Name);
                }
                var written = StackOpsEngine.Write(transaction, imported);
                (existing is null ? created : replaced).Add(imported.With(path: written));
            }

            foreach (var (type, name) in stack.Components)
                if (view.FindComponent(type, name) is null)
                    throw new StackOpsException("ImportComponentMissing", ErrorKind.NotFound,
                        $"{source}: stack '{stack.Name}' uses the {type} '{name}', which is neither in the file nor in the store. Add its StackComponent document to the file, or create it first with New-StackComponent.", name);

            var stored = view.FindStack(stack.Name);
            if (stored is not null && (stored.IsDefault || !force))
            {
                if (stored.IsDefault) throw Fail.DefaultStackImmutable(stored);
                throw Fail.AlreadyExists("Stack", stored.Name, "Pass -Name to import it under another name, or -Force to replace it.");
            }
            var result = StackService.Validate(view, stack);
            if (!result.IsValid) throw result.ToException(stack);
            var path = StackOpsEngine.Write(transaction, stack);
            return new ImportedStack(stack.With(path: path, isActive: stack.IsNamed(_engine.Stacks.ActiveName)), created, reused, replaced, registered);
        });
    }

    private static (Stack Stack, List<StackComponent> Components, List<Flavor> Flavors) Parse(string yaml, string source)
    {
        var roots = YamlText.Parse(yaml, source);
        if (roots.Count == 1 && roots[0] is YamlMappingNode map && map.Children.ContainsKey(new YamlScalarNode("stack_name")))
            return ParseZenML(new DocumentReader(source, map));

        var documents = DocumentCodec.ReadAll(yaml, source);
        var stacks = documents.OfType<Stack>().ToList();
        if (stacks.Count != 1)
            throw new StackOpsException("InvalidDocument", ErrorKind.InvalidData,
                $"{source}: an import holds exactly one Stack document, this one holds {stacks.Count}. Export one stack per file with Export-Stack.", source);
        return (stacks[0], documents.OfType<StackComponent>().ToList(), documents.OfType<Flavor>().ToList());
    }

    private static (Stack, List<StackComponent>, List<Flavor>) ParseZenML(DocumentReader reader)
    {
        var root = reader.Root;
        var name = reader.String(root, "stack_name", "", required: true)!;
        if (NameRules.Problem(name) is { } problem) throw reader.Invalid(reader.Find(root, "stack_name")!, "stack_name", $"'{Fail.Printable(name)}' is not a valid stack name: {problem}");
        var components = new List<StackComponent>();
        foreach (var (typeNode, valueNode) in reader.Mapping(root, "components", "", required: true)!.Children)
        {
            var rawType = ((YamlScalarNode)typeNode).Value ?? "";
            string type;
            try { type = ComponentTypes.Normalize(rawType); }
            catch (StackOpsException) { throw reader.Invalid(typeNode, $"components.{rawType}", $"'{rawType}' is not a component type"); }
            var component = valueNode as YamlMappingNode ?? throw reader.Invalid(valueNode, $"components.{rawType}", "expected the component's flavor, name and configuration");
            var path = $"components.{rawType}";
            var componentName = reader.String(component, "name", path, required: true)!;
            if (NameRules.Problem(componentName) is { } bad) throw reader.Invalid(component, $"{path}.name", $"'{Fail.Printable(componentName)}' is not a valid component name: {bad}");
            components.Add(new StackComponent(type, componentName, reader.String(component, "flavor", path, required: true)!,
                ZenMLConfiguration(reader, component, path)));
        }
        var stack = new Stack(name, components.ToDictionary(c => c.Type, c => c.Name));
        return (stack, components, []);
    }

    /// <summary>
    /// The component's configuration: its configuration mapping, or (in older ZenML exports and stack
    /// recipes) every key beside flavor, name and id. ZenML's component id is dropped: names identify here.
    /// </summary>
    private static Dictionary<string, object?> ZenMLConfiguration(DocumentReader reader, YamlMappingNode component, string path)
    {
        if (reader.Find(component, "configuration") is not null) return reader.ValueMap(component, "configuration", path);
        var all = (Dictionary<string, object?>)YamlText.ToValue(component)!;
        return all.Where(p => p.Key is not ("flavor" or "name" or "id")).ToDictionary(p => p.Key, p => p.Value);
    }

    private static bool Same(StackComponent a, StackComponent b) =>
        string.Equals(a.Flavor, b.Flavor, StringComparison.OrdinalIgnoreCase) && ValuesEqual(
            a.Configuration.ToDictionary(p => p.Key, p => p.Value), b.Configuration.ToDictionary(p => p.Key, p => p.Value));

    internal static bool ValuesEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (IDictionary<string, object?> x, IDictionary<string, object?> y) =>
            x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var other) && ValuesEqual(p.Value, other)),
        (IList<object?> x, IList<object?> y) => x.Count == y.Count && x.Zip(y).All(p => ValuesEqual(p.First, p.Second)),
        (long or int, long or int) => Convert.ToInt64(a) == Convert.ToInt64(b),
        _ => Equals(a, b),
    };
}
