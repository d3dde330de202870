using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Validation;

namespace StackOps.Core.Components;

public sealed class ComponentService
{
    private readonly StackOpsEngine _engine;

    internal ComponentService(StackOpsEngine engine) => _engine = engine;

    /// <summary>Every component (of a type), with the flavor's defaults applied to the effective configuration.</summary>
    public Listing<StackComponent> List(string? type = null)
    {
        var view = _engine.View();
        var catalog = new FlavorCatalog(view);
        var listing = view.Components(type is null ? null : ComponentTypes.Normalize(type));
        return listing with { Items = listing.Items.Select(c => Effective(catalog, c)).ToList() };
    }

    /// <summary>A component by exact name or unique prefix; without a type, across all types.</summary>
    public StackComponent Get(string? type, string name)
    {
        var view = _engine.View();
        var catalog = new FlavorCatalog(view);
        var types = type is null ? ComponentTypes.All : [ComponentTypes.Normalize(type)];
        var exact = types.Select(t => view.FindComponent(t, name)).OfType<StackComponent>().ToList();
        if (exact.Count > 1) throw Fail.AmbiguousName("Component", name, exact.Select(c => c.ToString()));
        var found = exact.Count == 1 ? exact[0]
            : NameMatching.ExactOrUniquePrefix(view.Components(type is null ? null : types[0]).Items, c => c.Name, name, "Component");
        return found is null
            ? throw Fail.ComponentNotFound(type is null ? null : types[0], name)
            : Effective(catalog, found);
    }

    /// <summary>Creates a component; a credential in clear text is a warning, or with strict an error.</summary>
    public StackComponent Create(string type, string name, string flavorName, IReadOnlyDictionary<string, object?> configuration,
        IReadOnlyDictionary<string, string?>? labels = null, bool strict = false)
    {
        type = ComponentTypes.Normalize(type);
        NameRules.Validate("Component", name);
        return _engine.Change((transaction, view) =>
        {
            if (view.FindComponent(type, name) is not null)
                throw Fail.AlreadyExists("Component", name, $"Change it with Set-StackComponent, or choose another name.");
            var flavor = new FlavorCatalog(view).Get(type, flavorName);
            // A component of an integration's flavor says which integration it needs, for machines that have not registered it.
            var required = flavor.Integration is null ? labels : new Dictionary<string, string?>(labels ?? new Dictionary<string, string?>()) { [Integrations.IntegrationService.Label] = flavor.Integration };
            var component = new StackComponent(type, name, flavor.Name, ConfigurationValidator.Validate(flavor, configuration, name, strict, _engine.Messages.Warning),
                StackOpsEngine.MergeLabels(new Dictionary<string, string>(), required), scope: _engine.Store.Scope);
            return Effective(flavor, component.With(path: StackOpsEngine.Write(transaction, component)));
        });
    }

    /// <summary>Merges configuration (a null value removes a key, as does removeKeys) and labels; revalidates the result.</summary>
    public StackComponent Update(string type, string name, IReadOnlyDictionary<string, object?>? configuration,
        IEnumerable<string>? removeKeys = null, IReadOnlyDictionary<string, string?>? labels = null, bool strict = false)
    {
        type = ComponentTypes.Normalize(type);
        return _engine.Change((transaction, view) =>
        {
            var existing = Stored(view, type, name);
            var flavor = new FlavorCatalog(view).Get(type, existing.Flavor);
            var merged = StackOpsEngine.MergeValues(existing.Configuration, configuration);
            foreach (var key in removeKeys ?? [])
            {
                if (!merged.Remove(key) && flavor.Field(key) is null)
                    throw new StackOpsException(ConfigurationValidator.UnknownKey, ErrorKind.InvalidArgument,
                        $"'{key}' is not a configuration key of the {type} flavor '{flavor.Name}', so it cannot be removed. Run Get-StackFlavor -Type {type} -Name {flavor.Name} to see its schema.", existing.Name);
            }
            var updated = existing.With(configuration: ConfigurationValidator.Validate(flavor, merged, existing.Name, strict, _engine.Messages.Warning),
                labels: StackOpsEngine.MergeLabels(existing.Labels, labels));
            StackOpsEngine.Write(transaction, updated);
            return Effective(flavor, updated);
        });
    }

    /// <summary>Renames a component and every stack that uses it, in one commit.</summary>
    public StackComponent Rename(string type, string name, string newName)
    {
        type = ComponentTypes.Normalize(type);
        NameRules.Validate("Component", newName);
        return _engine.Change((transaction, view) =>
        {
            var existing = Stored(view, type, name);
            if (view.FindComponent(type, newName) is { } clash && !clash.IsNamed(existing.Name))
                throw Fail.AlreadyExists("Component", newName, "Choose another name.");
            var renamed = existing.With(name: newName);
            var path = StackOpsEngine.Write(transaction, renamed);
            if (!string.Equals(existing.Name, newName, StringComparison.Ordinal))
                transaction.Delete(StackOpsEngine.KeyOf(existing));
            foreach (var stack in view.AllStacks($"rename the {type} '{existing.Name}'").Where(s => !s.IsDefault && s.Uses(type, existing.Name)))
                StackOpsEngine.Write(transaction, stack.With(components: stack.Components.ToDictionary(p => p.Key, p => p.Key == type ? newName : p.Value)));
            return Effective(new FlavorCatalog(view), renamed.With(path: path));
        });
    }

    public StackComponent Copy(string type, string name, string newName, IReadOnlyDictionary<string, string?>? labels = null)
    {
        type = ComponentTypes.Normalize(type);
        NameRules.Validate("Component", newName);
        return _engine.Change((transaction, view) =>
        {
            var source = view.FindComponent(type, name) ?? throw Fail.ComponentNotFound(type, name);
            if (view.FindComponent(type, newName) is not null) throw Fail.AlreadyExists("Component", newName, "Choose another name.");
            var copy = new StackComponent(type, newName, source.Flavor, source.Configuration, StackOpsEngine.MergeLabels(source.Labels, labels),
                source.Connector, _engine.Store.Scope);
            return Effective(new FlavorCatalog(view), copy.With(path: StackOpsEngine.Write(transaction, copy)));
        });
    }

    public StackComponent Remove(string type, string name)
    {
        type = ComponentTypes.Normalize(type);
        return _engine.Change((transaction, view) =>
        {
            var existing = Removable(view, type, name);
            transaction.Delete(StackOpsEngine.KeyOf(existing));
            return existing;
        });
    }

    /// <summary>The checks of <see cref="Remove"/>, changing nothing (-WhatIf, -Confirm): the component as it would be removed.</summary>
    public StackComponent CheckRemove(string type, string name) => Removable(_engine.View(), ComponentTypes.Normalize(type), name);

    private StackComponent Removable(DocumentView view, string type, string name)
    {
        var existing = Stored(view, type, name);
        var users = view.AllStacks($"remove the {type} '{existing.Name}'").Where(s => s.Uses(type, existing.Name)).ToList();
        return users.Count > 0 ? throw Fail.ComponentInUse(existing, users.Select(s => s.Name), Freeing(view, existing, users, _engine.Stacks.ActiveName)) : existing;
    }

    /// <summary>
    /// Commands that free a component and leave each stack that uses it valid: the stack without it
    /// when it needs none, else with another component of the type that it accepts (default first),
    /// else removed.
    /// </summary>
    private static string Freeing(DocumentView view, StackComponent component, IReadOnlyList<Stack> users, string activeStack)
    {
        var others = view.Components(component.Type).Items.Where(c => !c.IsNamed(component.Name)).OrderBy(c => c.IsDefault ? 0 : 1).ToList();
        bool Valid(Stack stack, string? replacement)
        {
            var components = stack.Components.Where(p => p.Key != component.Type).ToDictionary(p => p.Key, p => p.Value);
            if (replacement is not null) components[component.Type] = replacement;
            return Stacks.StackService.Validate(view, stack.With(components: components)).IsValid;
        }
        var fixes = users.Select(stack => (Stack: stack, Fix: Valid(stack, null) ? $"-RemoveComponent {component.Type}"
            : others.FirstOrDefault(o => Valid(stack, o.Name)) is { } other ? $"-{ComponentTypes.ToPascalCase(component.Type)} {other.Name}" : null)).ToList();
        var removed = fixes.Where(f => f.Fix is null).Select(f => f.Stack).ToList();
        return string.Join("; ", fixes.Where(f => f.Fix is not null).GroupBy(f => f.Fix).Select(g => $"Set-Stack {string.Join(", ", g.Select(f => f.Stack.Name))} {g.Key}")
            .Concat(removed.Count == 0 ? [] : [$"{(removed.Any(s => s.IsNamed(activeStack)) ? "Set-ActiveStack default; " : "")}Remove-Stack {string.Join(", ", removed.Select(s => s.Name))}"]));
    }

    /// <summary>A stored component that may be changed: exact name only (writes never take prefixes), never a built-in one.</summary>
    private static StackComponent Stored(DocumentView view, string type, string name)
    {
        var component = view.FindComponent(type, name) ?? throw Fail.ComponentNotFound(type, name);
        return component.IsDefault ? throw Fail.DefaultComponentImmutable(component) : component;
    }

    private static StackComponent Effective(FlavorCatalog catalog, StackComponent component)
    {
        Flavor? flavor;
        try { flavor = catalog.Find(component.Type, component.Flavor); }
        catch (StackOpsException) { return component; }
        return flavor is null ? component : Effective(flavor, component);
    }

    /// <summary>Components with their flavor's defaults, kept while the component (a listing's, its file unchanged) and its flavor are the same objects.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StackComponent, Tuple<Flavor, StackComponent>> WithDefaults = new();

    private static StackComponent Effective(Flavor flavor, StackComponent component)
    {
        if (WithDefaults.TryGetValue(component, out var known) && ReferenceEquals(known.Item1, flavor)) return known.Item2;
        var effective = new StackComponent(component.Type, component.Name, component.Flavor, component.Configuration, component.Labels, component.Connector,
            component.Scope, component.Path, component.ConfigurationLines, ConfigurationValidator.WithDefaults(flavor, component.Configuration));
        WithDefaults.AddOrUpdate(component, Tuple.Create(flavor, effective));
        return effective;
    }
}
