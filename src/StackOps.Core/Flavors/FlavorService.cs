using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.Core.Flavors;

public sealed class FlavorService
{
    private readonly StackOpsEngine _engine;

    internal FlavorService(StackOpsEngine engine) => _engine = engine;

    public Listing<Flavor> List(string? type = null) => new FlavorCatalog(_engine.View()).List(type is null ? null : ComponentTypes.Normalize(type));

    public Flavor Get(string type, string name) => new FlavorCatalog(_engine.View()).Get(ComponentTypes.Normalize(type), name);

    /// <summary>A flavor by name alone: names are unique per type only, so a name several types use asks for the type.</summary>
    public Flavor Get(string name)
    {
        var matches = List().Items.Where(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            0 => throw new StackOpsException("FlavorNotFound", ErrorKind.NotFound,
                $"No component type has a flavor '{name}'. Run Get-StackFlavor to list them, or Register-StackFlavor to add a custom one.", name),
            1 => matches[0],
            _ => throw new StackOpsException("AmbiguousName", ErrorKind.InvalidArgument,
                $"'{name}' is a flavor of several component types ({string.Join(", ", matches.Select(f => f.Type))}). Say which with -Type: Get-StackFlavor {name} -Type {matches[0].Type}.", name),
        };
    }

    /// <summary>Registers custom flavors from a flavor document (YAML); with force, replaces custom ones of the same name.</summary>
    public IReadOnlyList<Flavor> Register(string yaml, string source, bool force)
    {
        var documents = DocumentCodec.ReadAll(yaml, source, _engine.Store.Scope);
        var flavors = documents.Select(d => d as Flavor ?? throw new StackOpsException("UnsupportedDocument", ErrorKind.InvalidData,
            $"{source}: holds a {d.GetType().Name} document; Register-StackFlavor takes Flavor documents only.", source)).ToList();
        return _engine.Change((transaction, view) => flavors.Select(flavor =>
        {
            if (FlavorCatalog.FindBuiltIn(flavor.Type, flavor.Name) is not null) throw Fail.BuiltInFlavor(flavor.Type, flavor.Name);
            if (!force && view.CustomFlavor(flavor.Type, flavor.Name) is not null)
                throw Fail.AlreadyExists("Flavor", flavor.Name, $"Pass -Force to replace it, or remove it first: Unregister-StackFlavor {flavor.Type} {flavor.Name}.");
            var path = StackOpsEngine.Write(transaction, flavor);
            return new Flavor(flavor.Name, flavor.Type, flavor.Description, flavor.IsLocal, flavor.LocalWhen, flavor.Requirements, flavor.Configuration, false, path, flavor.Connector);
        }).ToList());
    }

    public Flavor Unregister(string type, string name)
    {
        type = ComponentTypes.Normalize(type);
        return _engine.Change((transaction, view) =>
        {
            var flavor = Unregistrable(view, type, name);
            transaction.Delete(StackOpsEngine.KeyOf(flavor));
            return flavor;
        });
    }

    /// <summary>The checks of <see cref="Unregister"/>, changing nothing (-WhatIf, -Confirm): the flavor as it would be unregistered.</summary>
    public Flavor CheckUnregister(string type, string name) => Unregistrable(_engine.View(), ComponentTypes.Normalize(type), name);

    private static Flavor Unregistrable(DocumentView view, string type, string name)
    {
        if (FlavorCatalog.FindBuiltIn(type, name) is not null) throw Fail.BuiltInFlavor(type, name);
        var flavor = view.CustomFlavor(type, name) ?? throw Fail.FlavorNotFound(type, name);
        var users = view.AllComponents(type, $"unregister the {type} flavor '{flavor.Name}'").Where(c => string.Equals(c.Flavor, flavor.Name, StringComparison.OrdinalIgnoreCase)).Select(c => c.Name).ToList();
        return users.Count > 0 ? throw Fail.FlavorInUse(flavor, users) : flavor;
    }
}
