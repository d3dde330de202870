namespace StackOps.Core.Model;

/// <summary>A named set of components, at most one per component type.</summary>
public sealed class Stack
{
    public const string DefaultName = "default";

    public Stack(string name, IReadOnlyDictionary<string, string> components, IReadOnlyDictionary<string, string>? labels = null,
        string? description = null, StoreScope scope = StoreScope.User, string? path = null, bool isActive = false)
    {
        Name = name;
        // Read-only all the way (ReadOnlyValues).
        Components = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(
            new SortedDictionary<string, string>(components.ToDictionary(p => p.Key, p => p.Value), ComponentTypeOrder.Instance));
        Labels = ReadOnlyValues.Labels(labels);
        Description = description;
        Scope = scope;
        Path = path;
        IsActive = isActive;
    }

    public string Name { get; }
    /// <summary>Component type (snake_case) → component name, in ZenML's type order.</summary>
    public IReadOnlyDictionary<string, string> Components { get; }

    public string? Orchestrator => this[ComponentTypes.Orchestrator];
    public string? ArtifactStore => this[ComponentTypes.ArtifactStore];
    public string? ContainerRegistry => this[ComponentTypes.ContainerRegistry];

    /// <summary>The components besides those three, as type=name pairs (the table view's last column).</summary>
    public string OtherComponents => string.Join(", ", Components
        .Where(p => p.Key is not (ComponentTypes.Orchestrator or ComponentTypes.ArtifactStore or ComponentTypes.ContainerRegistry)).Select(p => $"{p.Key}={p.Value}"));

    /// <summary>'*' for the active stack, as the table view marks it.</summary>
    public string ActiveMarker => IsActive ? "*" : "";
    public IReadOnlyDictionary<string, string> Labels { get; }
    public string? Description { get; }
    public StoreScope Scope { get; }
    public bool IsActive { get; }
    public bool IsDefault => string.Equals(Name, DefaultName, StringComparison.OrdinalIgnoreCase);
    /// <summary>The document's file; null for the built-in default stack.</summary>
    public string? Path { get; }

    public string? this[string type] => Components.TryGetValue(type, out var name) ? name : null;

    public bool Uses(string type, string componentName) =>
        Components.TryGetValue(type, out var name) && string.Equals(name, componentName, StringComparison.OrdinalIgnoreCase);

    public Stack With(string? name = null, IReadOnlyDictionary<string, string>? components = null,
        IReadOnlyDictionary<string, string>? labels = null, string? description = null, bool? isActive = null, string? path = null, StoreScope? scope = null) =>
        new(name ?? Name, components ?? Components, labels ?? Labels, description ?? Description, scope ?? Scope, path ?? Path, isActive ?? IsActive);

    public override string ToString() => Name;

    private sealed class ComponentTypeOrder : IComparer<string>
    {
        public static readonly ComponentTypeOrder Instance = new();
        public int Compare(string? x, string? y)
        {
            var byOrder = ComponentTypes.Order(x!).CompareTo(ComponentTypes.Order(y!));
            return byOrder != 0 ? byOrder : string.CompareOrdinal(x, y);
        }
    }
}

public enum StoreScope
{
    Repository,
    User,
    /// <summary>A team server's store, once Connect-StackServer (or $env:STACKOPS_SERVER) names one.</summary>
    Server,
}
