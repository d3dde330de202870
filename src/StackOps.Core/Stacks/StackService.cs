using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Store;
using StackOps.Core.Validation;

namespace StackOps.Core.Stacks;

/// <summary>What Remove-Stack removed: the stack, and with includeComponents the components no other stack used.</summary>
public sealed record RemovedStack(Stack Stack, IReadOnlyList<StackComponent> Components);

public sealed class StackService
{
    private readonly StackOpsEngine _engine;

    internal StackService(StackOpsEngine engine) => _engine = engine;

    /// <summary>The active stack's name: $env:STACKOPS_ACTIVE_STACK, else the one set for this store, else default.</summary>
    public string ActiveName => _engine.ActiveStacks.Get() ?? Stack.DefaultName;

    /// <summary>Every stack, marked active or not; a state file that cannot be read is one more problem, and then no stack is marked.</summary>
    public Listing<Stack> List() => Listing<Stack>.Of(Each());

    /// <summary>
    /// The stacks of <see cref="List"/>, each as soon as it is read (the default first), with a
    /// problem in place of each one that cannot be read: a listing of a large store starts at once.
    /// </summary>
    public IEnumerable<(Stack? Stack, StackOpsException? Problem)> Each()
    {
        string? active = null;
        StackOpsException? unreadable = null;
        try { active = ActiveName; }
        catch (StackOpsException e) { unreadable = e; }
        foreach (var (stack, problem) in _engine.View().EachStack())
            yield return (stack?.IsNamed(active ?? "") == true ? stack.With(isActive: true) : stack, problem);
        if (unreadable is not null) yield return (null, unreadable);
    }

    /// <summary>A stack by exact name (any case) or unique prefix.</summary>
    public Stack Get(string name)
    {
        var view = _engine.View();
        var stack = view.FindStack(name) ?? NameMatching.ExactOrUniquePrefix(view.Stacks().Items, s => s.Name, name, "Stack") ?? throw Fail.StackNotFound(name);
        return stack.With(isActive: stack.IsNamed(ActiveName));
    }

    public Stack GetActive()
    {
        var name = ActiveName;
        var stack = _engine.View().FindStack(name) ?? throw new StackOpsException("ActiveStackNotFound", ErrorKind.NotFound,
            $"The active stack '{name}' does not exist in this store. Run Set-ActiveStack with an existing stack{(_engine.ActiveStacks.Override is null ? "" : $" or change ${ActiveStacks.OverrideVariable}")}.", name);
        return stack.With(isActive: true);
    }

    public Stack Create(string name, IReadOnlyDictionary<string, string> components, IReadOnlyDictionary<string, string?>? labels = null, string? description = null)
    {
        NameRules.Validate("Stack", name);
        return _engine.Change((transaction, view) =>
        {
            if (view.FindStack(name) is not null) throw Fail.AlreadyExists("Stack", name, "Change it with Set-Stack, or choose another name.");
            var stack = new Stack(name, Canonical(view, components), StackOpsEngine.MergeLabels(new Dictionary<string, string>(), labels), description, _engine.Store.Scope);
            return Save(transaction, view, stack);
        });
    }

    /// <summary>Replaces the given component types, removes others, merges labels; the result must still be a valid stack.</summary>
    public Stack Update(string name, IReadOnlyDictionary<string, string>? replace, IEnumerable<string>? removeTypes = null,
        IReadOnlyDictionary<string, string?>? labels = null, string? description = null)
    {
        return _engine.Change((transaction, view) =>
        {
            var existing = Stored(view, name);
            var components = existing.Components.ToDictionary(p => p.Key, p => p.Value);
            foreach (var type in removeTypes ?? []) components.Remove(ComponentTypes.Normalize(type));
            foreach (var (type, component) in Canonical(view, replace ?? new Dictionary<string, string>())) components[type] = component;
            return Save(transaction, view, existing.With(components: components, labels: StackOpsEngine.MergeLabels(existing.Labels, labels), description: description));
        });
    }

    /// <summary>Renames a stack; when it was this store's active stack, the new name becomes active once the rename is committed.</summary>
    public Stack Rename(string name, string newName)
    {
        NameRules.Validate("Stack", newName);
        var wasActive = false;
        var renamed = _engine.Change((transaction, view) =>
        {
            var existing = Stored(view, name);
            if (view.FindStack(newName) is { } clash && !clash.IsNamed(existing.Name)) throw Fail.AlreadyExists("Stack", newName, "Choose another name.");
            wasActive = _engine.ActiveStacks.Stored() is { } active && existing.IsNamed(active);
            var saved = Save(transaction, view, existing.With(name: newName));
            if (!string.Equals(existing.Name, newName, StringComparison.Ordinal)) transaction.Delete(StackOpsEngine.KeyOf(existing));
            return saved;
        });
        if (wasActive) _engine.ActiveStacks.Set(renamed.Name);
        return renamed.With(isActive: renamed.IsNamed(ActiveName));
    }

    /// <summary>A new stack with the same components (shared, not copied), labels and description.</summary>
    public Stack Copy(string name, string newName)
    {
        NameRules.Validate("Stack", newName);
        return _engine.Change((transaction, view) =>
        {
            var source = view.FindStack(name) ?? throw Fail.StackNotFound(name);
            if (view.FindStack(newName) is not null) throw Fail.AlreadyExists("Stack", newName, "Choose another name.");
            return Save(transaction, view, new Stack(newName, source.Components, source.Labels, source.Description, _engine.Store.Scope));
        });
    }

    public RemovedStack Remove(string name, bool includeComponents)
    {
        return _engine.Change((transaction, view) =>
        {
            var stack = Removable(view, name);
            var others = includeComponents ? view.AllStacks($"remove the components of stack '{stack.Name}'").Where(s => !s.IsNamed(stack.Name)).ToList() : [];
            var orphans = includeComponents
                ? stack.Components.Where(p => !others.Any(o => o.Uses(p.Key, p.Value)))
                    .Select(p => view.FindComponent(p.Key, p.Value)).OfType<StackComponent>().Where(c => !c.IsDefault).ToList()
                : [];
            transaction.Delete(StackOpsEngine.KeyOf(stack));
            foreach (var component in orphans) transaction.Delete(StackOpsEngine.KeyOf(component));
            return new RemovedStack(stack, orphans);
        });
    }

    /// <summary>The checks of <see cref="Remove"/>, changing nothing (-WhatIf, -Confirm): the stack as it would be removed.</summary>
    public Stack CheckRemove(string name) => Removable(_engine.View(), name);

    private Stack Removable(DocumentView view, string name)
    {
        var stack = Stored(view, name);
        // The stored active stack counts too: $env:STACKOPS_ACTIVE_STACK only hides it for a session.
        return stack.IsNamed(ActiveName) || _engine.ActiveStacks.Stored() is { } stored && stack.IsNamed(stored) ? throw Fail.ActiveStackRemoval(stack) : stack;
    }

    public Stack Activate(string name)
    {
        var stack = Get(name);
        _engine.ActiveStacks.Set(stack.Name);
        return stack.With(isActive: true);
    }

    /// <summary>
    /// Runs every stack rule and returns one finding per problem, secret references included (checked
    /// at the given level through the backend in effect); strict turns warnings (clear-text credentials) into errors.
    /// </summary>
    public StackValidationResult Test(string name, SecretValidation secretValidation = SecretValidation.SecretAndKeyExists, bool strict = false, string? secretBackend = null)
    {
        var view = _engine.View();
        var stack = view.FindStack(name) ?? NameMatching.ExactOrUniquePrefix(view.Stacks().Items, s => s.Name, name, "Stack") ?? throw Fail.StackNotFound(name);
        return Validate(view, stack, strict, components => _engine.Secrets.Check(components, secretValidation, secretBackend), _engine.Integrations.Validate);
    }

    internal static StackValidationResult Validate(DocumentView view, Stack stack, bool strict = false,
        Func<IReadOnlyList<StackComponent>, IEnumerable<StackValidationFinding>>? moreChecks = null,
        Func<Abstractions.StackDescription, IEnumerable<(string Integration, Abstractions.StackProblem Problem)>>? integrationProblems = null)
    {
        var catalog = new FlavorCatalog(view);
        return StackValidator.Validate(stack, view.FindComponent, catalog.Find, strict, moreChecks, integrationProblems);
    }

    private Stack Save(IStoreTransaction transaction, DocumentView view, Stack stack)
    {
        var result = Validate(view, stack);
        if (!result.IsValid) throw result.ToException(stack);
        return stack.With(path: StackOpsEngine.Write(transaction, stack), isActive: stack.IsNamed(ActiveName));
    }

    /// <summary>Normalized types and the stored names of the components (exact names: writes take no prefixes).</summary>
    private static Dictionary<string, string> Canonical(DocumentView view, IReadOnlyDictionary<string, string> components)
    {
        var result = new Dictionary<string, string>();
        foreach (var (rawType, name) in components)
        {
            var type = ComponentTypes.Normalize(rawType);
            var component = view.FindComponent(type, name) ?? throw Fail.ComponentNotFound(type, name);
            result[type] = component.Name;
        }
        return result;
    }

    private static Stack Stored(DocumentView view, string name)
    {
        var stack = view.FindStack(name) ?? throw Fail.StackNotFound(name);
        return stack.IsDefault ? throw Fail.DefaultStackImmutable(stack) : stack;
    }
}
