using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using PipelineModels = StackOps.Core.Pipelines;
using StackOps.Core.Secrets;
using StackOps.Core.Yaml;

namespace StackOps.Core.Store;

/// <summary>What a listing found, and the documents it could not read (each error names its file and line).</summary>
public sealed record Listing<T>(IReadOnlyList<T> Items, IReadOnlyList<StackOpsException> Problems)
{
    /// <summary>A streamed listing (each entry an item, or the problem in its place) collected.</summary>
    public static Listing<T> Of(IEnumerable<(T? Item, StackOpsException? Problem)> entries)
    {
        var items = new List<T>();
        var problems = new List<StackOpsException>();
        foreach (var (item, problem) in entries)
            if (item is not null) items.Add(item);
            else problems.Add(problem!);
        return new Listing<T>(items, problems);
    }
}

/// <summary>
/// Typed documents over a store or an open transaction, with the built-in default stack and its
/// components laid over what is stored: they exist in every store and are never written.
/// </summary>
internal sealed class DocumentView
{
    private readonly Func<DocumentKey, StoredDocument?> _read;
    private readonly Func<string, string?, IEnumerable<StoredDocument>> _readEach;
    private readonly StoreScope _scope;

    public DocumentView(IStackStore store) : this(store.Read, store.ReadEach, store.Scope) { }

    /// <summary>Flavors that come from outside the store (registered integrations), asked for only when a flavor is looked up.</summary>
    public Func<IReadOnlyList<Flavors.Flavor>> IntegrationFlavors { get; init; } = () => [];
    public DocumentView(IStoreTransaction transaction, StoreScope scope) : this(transaction.Read, SortedByName(transaction.ReadAll), scope) { }

    private DocumentView(Func<DocumentKey, StoredDocument?> read, Func<string, string?, IEnumerable<StoredDocument>> readEach, StoreScope scope)
    {
        _read = read;
        _readEach = readEach;
        _scope = scope;
    }

    /// <summary>A transaction's documents (the store's and those it wrote) with names in any case next to each other, as listings need them.</summary>
    private static Func<string, string?, IEnumerable<StoredDocument>> SortedByName(Func<string, string?, IReadOnlyList<StoredDocument>> readAll) =>
        (kind, type) => readAll(kind, type).OrderBy(d => d.Key.Type, StringComparer.Ordinal).ThenBy(d => d.Key.Name, StringComparer.OrdinalIgnoreCase);

    public Stack DefaultStack => new(Stack.DefaultName, new Dictionary<string, string>
    {
        [ComponentTypes.Orchestrator] = Stack.DefaultName,
        [ComponentTypes.ArtifactStore] = Stack.DefaultName,
    }, description: "The built-in local stack.", scope: _scope);

    public StackComponent? DefaultComponent(string type) =>
        type is ComponentTypes.Orchestrator or ComponentTypes.ArtifactStore
            ? new StackComponent(type, Stack.DefaultName, "local", new Dictionary<string, object?>(), scope: _scope)
            : null;

    public Listing<Stack> Stacks() => Listing<Stack>.Of(EachStack());

    /// <summary>The stacks as <see cref="Stacks"/> lists them, each as soon as it is read, with a problem in place of each unreadable one.</summary>
    public IEnumerable<(Stack? Stack, StackOpsException? Problem)> EachStack()
    {
        yield return (DefaultStack, null);
        foreach (var entry in Each<Stack>(DocumentCodec.StackKind, null))
            if (entry.Item is not { IsDefault: true }) yield return entry;
    }

    /// <summary>Every stack, for a change that must see them all (in-use checks, renames): an unreadable stack stops it.</summary>
    public IReadOnlyList<Stack> AllStacks(string change)
    {
        var listing = Stacks();
        return listing.Problems.Count > 0 ? throw Fail.Unreadable(change, listing.Problems) : listing.Items;
    }

    public Stack? FindStack(string name) =>
        string.Equals(name, Model.Stack.DefaultName, StringComparison.OrdinalIgnoreCase) ? DefaultStack : One<Stack>(new DocumentKey(DocumentCodec.StackKind, name));

    public Listing<StackComponent> Components(string? type)
    {
        var listing = All<StackComponent>(DocumentCodec.ComponentKind, type);
        var defaults = (type is null ? ComponentTypes.All : [type]).Select(DefaultComponent).OfType<StackComponent>().ToList();
        var items = listing.Items.Where(c => !defaults.Any(d => d.Type == c.Type && d.IsNamed(c.Name))).Concat(defaults)
            .OrderBy(c => ComponentTypes.Order(c.Type)).ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
        return listing with { Items = items };
    }

    /// <summary>Every component of a type, for a change that must see them all: an unreadable component stops it.</summary>
    public IReadOnlyList<StackComponent> AllComponents(string type, string change)
    {
        var listing = Components(type);
        return listing.Problems.Count > 0 ? throw Fail.Unreadable(change, listing.Problems) : listing.Items;
    }

    /// <summary>The stacks that use a component, for a change that must see them all (an unreadable stack stops it).</summary>
    public IReadOnlyList<string> StacksUsing(string type, string component, string change) =>
        AllStacks(change).Where(s => s.Uses(type, component)).Select(s => s.Name).ToList();

    /// <summary>The components of a flavor, for a change that must see them all.</summary>
    public IReadOnlyList<string> ComponentsOfFlavor(string type, string flavor, string change) =>
        AllComponents(type, change).Where(c => string.Equals(c.Flavor, flavor, StringComparison.OrdinalIgnoreCase)).Select(c => c.Name).ToList();

    /// <summary>The components linked to a connector, as "the TYPE 'NAME'", for a change that must see them all.</summary>
    public IReadOnlyList<string> ComponentsLinkedTo(string connector, string change)
    {
        var listing = Components(null);
        if (listing.Problems.Count > 0) throw Fail.Unreadable(change, listing.Problems);
        return listing.Items.Where(c => c.Connector is { } link && string.Equals(link.Name, connector, StringComparison.OrdinalIgnoreCase))
            .Select(c => $"the {c.Type} '{c.Name}'").ToList();
    }

    public StackComponent? FindComponent(string type, string name) =>
        DefaultComponent(type) is { } builtIn && builtIn.IsNamed(name) ? builtIn : One<StackComponent>(new DocumentKey(DocumentCodec.ComponentKind, name, type));

    public Listing<Flavor> CustomFlavors(string? type) => All<Flavor>(DocumentCodec.FlavorKind, type);

    public Flavor? CustomFlavor(string type, string name) => One<Flavor>(new DocumentKey(DocumentCodec.FlavorKind, name, type));

    public Listing<SecretBackendDefinition> SecretBackends() => All<SecretBackendDefinition>(DocumentCodec.SecretBackendKind, null);

    public SecretBackendDefinition? SecretBackend(string name) => One<SecretBackendDefinition>(new DocumentKey(DocumentCodec.SecretBackendKind, name));

    public Listing<Connectors.ServiceConnector> Connectors() => All<Connectors.ServiceConnector>(DocumentCodec.ConnectorKind, null);

    public Connectors.ServiceConnector? Connector(string name) => One<Connectors.ServiceConnector>(new DocumentKey(DocumentCodec.ConnectorKind, name));

    public Listing<PipelineModels.Pipeline> Pipelines() => All<PipelineModels.Pipeline>(DocumentCodec.PipelineKind, null);

    public PipelineModels.Pipeline? Pipeline(string name) => One<PipelineModels.Pipeline>(new DocumentKey(DocumentCodec.PipelineKind, name));

    public Listing<PipelineModels.PipelineVersion> Versions(string? pipeline) => All<PipelineModels.PipelineVersion>(DocumentCodec.PipelineVersionKind, pipeline);

    public PipelineModels.PipelineVersion? Version(string pipeline, string version) =>
        One<PipelineModels.PipelineVersion>(new DocumentKey(DocumentCodec.PipelineVersionKind, version, pipeline));

    public PipelineModels.Lifecycle? Lifecycle() => One<PipelineModels.Lifecycle>(new DocumentKey(DocumentCodec.LifecycleKind, "lifecycle"));

    public Listing<PipelineModels.PromotionRecord> Promotions() => All<PipelineModels.PromotionRecord>(DocumentCodec.PromotionKind, null);

    private T? One<T>(DocumentKey key) where T : class
    {
        var stored = _read(key);
        return stored is null ? null : stored.Problem is { } unreadable ? throw unreadable : Parse<T>(stored);
    }

    private Listing<T> All<T>(string kind, string? type) where T : class => Listing<T>.Of(Each<T>(kind, type));

    /// <summary>
    /// The documents of a kind, parsed, as the store reads them: each one, or the problem that kept
    /// it from being read (a name stored in two cases is one conflict, as the store gives such
    /// names next to each other).
    /// </summary>
    private IEnumerable<(T? Item, StackOpsException? Problem)> Each<T>(string kind, string? type) where T : class
    {
        var group = new List<StoredDocument>();
        foreach (var document in _readEach(kind, type).Append(null))
        {
            if (document is not null && (group.Count == 0 || CaseInsensitiveKey.Equals((group[0].Key.Type, group[0].Key.Name), (document.Key.Type, document.Key.Name))))
            {
                group.Add(document);
                continue;
            }
            if (group.Count > 0) yield return Entry<T>(group);
            group = document is null ? [] : [document];
        }
    }

    private (T? Item, StackOpsException? Problem) Entry<T>(IReadOnlyList<StoredDocument> copies) where T : class
    {
        if (copies.Count > 1) return (null, Fail.NameConflict(copies[0].Key.ToString(), copies.Select(d => d.Path).ToList()));
        if (copies[0].Problem is { } unreadable) return (null, unreadable);
        try { return (Parse<T>(copies[0]), null); }
        catch (StackOpsException e) { return (null, e); }
    }

    private static readonly IEqualityComparer<(string? Type, string Name)> CaseInsensitiveKey = new KeyComparer();

    private sealed class KeyComparer : IEqualityComparer<(string? Type, string Name)>
    {
        public bool Equals((string? Type, string Name) a, (string? Type, string Name) b) =>
            a.Type == b.Type && string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string? Type, string Name) key) => HashCode.Combine(key.Type, StringComparer.OrdinalIgnoreCase.GetHashCode(key.Name));
    }

    /// <summary>
    /// Stacks, components and flavors parsed from a stored document: a directory store gives the same
    /// document again while its file is unchanged, and they, read-only all the way (ReadOnlyValues),
    /// can then be handed out again.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StoredDocument, Tuple<StoreScope, object>> Parsed = new();

    private T Parse<T>(StoredDocument stored) where T : class
    {
        if (typeof(T) != typeof(Stack) && typeof(T) != typeof(StackComponent) && typeof(T) != typeof(Flavor)) return ParseChecked<T>(stored);
        if (Parsed.TryGetValue(stored, out var known) && known.Item1 == _scope && known.Item2 is T item) return item;
        var parsed = ParseChecked<T>(stored);
        Parsed.AddOrUpdate(stored, Tuple.Create(_scope, (object)parsed));
        return parsed;
    }

    private T ParseChecked<T>(StoredDocument stored) where T : class
    {
        var document = DocumentCodec.ReadOne<T>(stored.Text, stored.Path, _scope, stored.Path);
        var (name, type) = document switch
        {
            Stack s => (s.Name, (string?)null),
            StackComponent c => (c.Name, c.Type),
            Flavor f => (f.Name, f.Type),
            SecretBackendDefinition b => (b.Name, (string?)null),
            Connectors.ServiceConnector c => (c.Name, (string?)null),
            PipelineModels.Pipeline p => (p.Name, (string?)null),
            PipelineModels.PipelineVersion v => (v.Version, v.Pipeline),
            PipelineModels.PromotionRecord r => (r.Id, (string?)null),
            // The store's one lifecycle lives in lifecycle.yaml whatever its name.
            PipelineModels.Lifecycle => (stored.Key.Name, (string?)null),
            _ => ("", null),
        };
        if (!string.Equals(name, stored.Key.Name, StringComparison.OrdinalIgnoreCase))
            throw new StackOpsException("InvalidDocument", ErrorKind.InvalidData,
                $"{stored.Path}: metadata.name is '{name}' but the file is named '{stored.Key.Name}'. Rename the file or fix metadata.name; use Rename-* cmdlets to rename.", stored.Path);
        if (stored.Key.Type is not null && type != stored.Key.Type)
            throw new StackOpsException("InvalidDocument", ErrorKind.InvalidData,
                $"{stored.Path}: metadata.type is '{type}' but the file is in the '{stored.Key.Type}' folder. Move the file or fix metadata.type.", stored.Path);
        return document;
    }
}

internal static class NameMatching
{
    public static bool IsNamed(this StackComponent component, string name) => string.Equals(component.Name, name, StringComparison.OrdinalIgnoreCase);
    public static bool IsNamed(this Stack stack, string name) => string.Equals(stack.Name, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Read lookups: the exact name (any case), else the one name that starts with it.</summary>
    public static T? ExactOrUniquePrefix<T>(IEnumerable<T> items, Func<T, string> nameOf, string name, string what)
        where T : class
    {
        var list = items.ToList();
        var exact = list.FirstOrDefault(i => string.Equals(nameOf(i), name, StringComparison.OrdinalIgnoreCase));
        if (exact is not null) return exact;
        var prefixed = list.Where(i => nameOf(i).StartsWith(name, StringComparison.OrdinalIgnoreCase)).ToList();
        return prefixed.Count switch
        {
            0 => null,
            1 => prefixed[0],
            _ => throw Fail.AmbiguousName(what, name, prefixed.Select(nameOf)),
        };
    }
}
