using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Validation;

namespace StackOps.Core.Secrets;

/// <summary>
/// Secrets, their backends and the resolution of references. The backend of a call is the one it
/// names, else $env:STACKOPS_SECRET_BACKEND, else the host's preferred one, else the store's
/// default, else the built-in local one.
/// </summary>
public sealed class SecretService
{
    public const string BackendVariable = "STACKOPS_SECRET_BACKEND";

    private readonly StackOpsEngine _engine;

    internal SecretService(StackOpsEngine engine, Func<IEnumerable<RegisteredSecretBackendType>> integrationTypes)
    {
        _engine = engine;
        Types = new SecretBackendTypeRegistry([LocalSecretBackend.Type(engine.Location.UserHome), EnvironmentSecretBackend.Type, SecretBackendTypes.SecretManagementWithoutHost], integrationTypes);
    }

    /// <summary>The backend types: StackOps's own, the host's (secretmanagement, in PowerShell) and the registered integrations'.</summary>
    public SecretBackendTypeRegistry Types { get; }

    /// <summary>The backend a host prefers to the store's default (the action: env); $env:STACKOPS_SECRET_BACKEND still comes first.</summary>
    public string? PreferredBackend { get; set; }

    private readonly List<(SecretBackendDefinition Definition, Func<ISecretBackend> Open)> _hosted = [];

    /// <summary>
    /// A backend the host provides beside the built-in ones (the team server: the credential vault
    /// connectors' secrets live in). It counts as built in: no store document can name or replace it.
    /// </summary>
    public void Host(SecretBackendDefinition definition, Func<ISecretBackend> open) => _hosted.Add((definition, open));

    private Func<ISecretBackend>? Hosted(SecretBackendDefinition backend) =>
        _hosted.FirstOrDefault(h => h.Definition.Name == backend.Name && h.Definition.Type == backend.Type).Open;

    // ---- Backends ------------------------------------------------------------------------------

    /// <summary>The built-in backends and the store's registered ones, the default marked.</summary>
    public Listing<SecretBackendDefinition> Backends()
    {
        var stored = _engine.View().SecretBackends();
        var all = BuiltIns().Concat(stored.Items.Where(b => !IsBuiltInName(b.Name))).ToList();
        var defaultName = DefaultName(all);
        return stored with
        {
            Items = all.Select(b => b.With(isDefault: string.Equals(b.Name, defaultName, StringComparison.OrdinalIgnoreCase), capabilities: CapabilitiesOf(b))).ToList(),
        };
    }

    /// <summary>A backend by name; null gives the one in effect.</summary>
    public SecretBackendDefinition Backend(string? name)
    {
        var all = Backends().Items;
        name ??= DefaultName(all);
        return all.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase))
               ?? throw Fail.SecretBackendNotFound(name, all.Select(b => b.Name));
    }

    public SecretBackendDefinition RegisterBackend(string name, string type, string? vault = null, bool makeDefault = false, string? description = null, bool force = false)
    {
        NameRules.Validate("SecretBackend", name);
        if (IsBuiltInName(name))
            throw new StackOpsException("BuiltInSecretBackend", ErrorKind.InvalidOperation, $"'{name}' is a built-in secret backend; give yours another name.", name);
        var known = Types.Get(type);
        type = known.Definition.Type;
        SecretBackendTypeRegistry.CheckVault(name, known.Definition, vault);
        return _engine.Change((transaction, view) =>
        {
            if (view.SecretBackend(name) is not null && !force)
                throw Fail.AlreadyExists("SecretBackend", name, $"Pass -Force to replace it, or remove it first: Unregister-StackSecretBackend {name}.");
            if (makeDefault)
                foreach (var other in view.SecretBackends().Items.Where(b => b.IsDefault && !string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)))
                    StackOpsEngine.Write(transaction, other.With(isDefault: false));
            var backend = new SecretBackendDefinition(name, type, vault, makeDefault, description, scope: _engine.Store.Scope, integration: known.Integration);
            var path = StackOpsEngine.Write(transaction, backend);
            _engine.Messages.Verbose($"Registered the {type} secret backend '{name}' in {path}{(makeDefault ? " as this store's default" : "")}.");
            return backend.With(path: path, capabilities: CapabilitiesOf(backend));
        });
    }

    public SecretBackendDefinition UnregisterBackend(string name)
    {
        if (IsBuiltInName(name))
            throw new StackOpsException("BuiltInSecretBackend", ErrorKind.InvalidOperation, $"'{name}' is a built-in secret backend and cannot be unregistered.", name);
        return _engine.Change((transaction, view) =>
        {
            var backend = view.SecretBackend(name) ?? throw Fail.SecretBackendNotFound(name, Backends().Items.Select(b => b.Name));
            transaction.Delete(StackOpsEngine.KeyOf(backend));
            if (backend.IsDefault) _engine.Messages.Warning($"'{backend.Name}' was this store's default secret backend; references now resolve through the built-in 'local' backend.");
            return backend;
        });
    }

    /// <summary>Opens a backend through its type (the secretmanagement type needs the PowerShell host; an integration's is loaded, once, now).</summary>
    public ISecretBackend Open(SecretBackendDefinition backend)
    {
        if (Hosted(backend) is { } hosted) return hosted();
        var type = Types.Of(backend).Definition;
        SecretBackendTypeRegistry.CheckVault(backend.Name, type, backend.Vault);
        return type.Open(new SecretBackendContext(backend.Name, backend.Vault));
    }

    private ISecretBackend Open(string? backend) => Open(Backend(backend));

    private static SecretBackendDefinition BuiltIn(SecretBackendTypeDefinition type) => new(type.Type, type.Type, description: type.Description, isBuiltIn: true);

    private IEnumerable<SecretBackendDefinition> BuiltInBackends() => [BuiltIn(Types.Get(SecretBackendTypes.Local).Definition), BuiltIn(Types.Get(SecretBackendTypes.Environment).Definition)];

    private IEnumerable<SecretBackendDefinition> BuiltIns() => BuiltInBackends().Concat(_hosted.Select(h => h.Definition));

    private bool IsBuiltInName(string name) => BuiltIns().Any(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));

    private string DefaultName(IReadOnlyList<SecretBackendDefinition> all)
    {
        if (Environment.GetEnvironmentVariable(BackendVariable) is { Length: > 0 } chosen) return chosen;
        if (PreferredBackend is { } preferred) return preferred;
        var defaults = all.Where(b => b.IsDefault && !b.IsBuiltIn).ToList();
        if (defaults.Count > 1)
            throw new StackOpsException("AmbiguousDefaultSecretBackend", ErrorKind.InvalidData,
                $"Several secret backends are marked as this store's default ({string.Join(", ", defaults.Select(d => d.Path ?? d.Name))}). Keep 'default: true' in one of them, or run Register-StackSecretBackend -Default -Force on the one you want.", defaults[0].Path);
        return defaults.Count == 1 ? defaults[0].Name : SecretBackendTypes.Local;
    }

    /// <summary>What a backend can do, as its type declares (an integration's is not loaded to list it); the host's own backends are asked.</summary>
    private SecretBackendCapabilities CapabilitiesOf(SecretBackendDefinition backend)
    {
        try
        {
            return Hosted(backend) is { } hosted
                ? hosted().Capabilities
                : Types.Find(backend.Type)?.Definition.Capabilities ?? SecretBackendCapabilities.None;
        }
        catch (StackOpsException) { return SecretBackendCapabilities.None; }
    }

    private static void Require(ISecretBackend opened, SecretBackendDefinition backend, SecretBackendCapabilities needed)
    {
        if (opened.Capabilities.HasFlag(needed)) return;
        var hint = backend.Type switch
        {
            SecretBackendTypes.Environment => $"Set {EnvironmentSecretBackend.Prefix}<NAME>__<KEY> environment variables instead.",
            SecretBackendTypes.SecretManagement => $"Manage its secrets with Set-Secret / Remove-Secret -Vault {backend.Vault}.",
            _ => "Choose another backend with -Backend.",
        };
        throw Fail.SecretBackendCannot(backend.Name, backend.Type, needed, hint, backend);
    }

    // ---- Secrets -------------------------------------------------------------------------------

    public IReadOnlyList<string> List(string? backend = null)
    {
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.List);
        return opened.List();
    }

    public Secret Get(string name, string? backend = null)
    {
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Read);
        _engine.Messages.Debug($"Reading secret '{name}' from the {definition.Type} backend '{definition.Name}'.");
        var secret = opened.Read(name) ?? throw Fail.SecretNotFound(name, definition.Name);
        Admit([secret], definition);
        return secret;
    }

    /// <summary>A secret from the backend in effect (null when absent), and whether StackOps writes that backend (it can then hold what StackOps bound).</summary>
    internal (Secret? Secret, bool Writable) ReadWithCapabilities(string name)
    {
        var definition = Backend(null);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Read);
        return (opened.Read(name), opened.Capabilities.HasFlag(SecretBackendCapabilities.Write));
    }

    public bool Exists(string name, string? backend = null)
    {
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Read);
        return opened.Exists(name);
    }

    public Secret Create(string name, IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string?>? labels = null, string? backend = null, bool force = false)
    {
        SecretNames.Validate(name);
        var checkedValues = Checked(name, values);
        if (checkedValues.Count == 0)
            throw new StackOpsException("SecretValueMissing", ErrorKind.InvalidArgument, $"Secret '{name}' needs at least one key and value.", name);
        return Write(backend, name, transaction =>
        {
            var existing = transaction.Read(name);
            if (existing is not null && !force) throw Fail.AlreadyExists("Secret", existing.Name, "Change it with Set-StackSecret, or pass -Force to replace it.");
            var now = DateTimeOffset.UtcNow;
            var secret = new Secret(existing?.Name ?? name, checkedValues, StackOpsEngine.MergeLabels(new Dictionary<string, string>(), labels), existing?.Created ?? now, now);
            transaction.Put(secret);
            return secret;
        }, "Created");
    }

    /// <summary>Adds or changes keys, removes keys and merges labels; a secret keeps at least one key.</summary>
    public Secret Update(string name, IReadOnlyDictionary<string, string>? values, IEnumerable<string>? removeKeys = null,
        IReadOnlyDictionary<string, string?>? labels = null, string? backend = null)
    {
        var checkedValues = Checked(name, values ?? new Dictionary<string, string>());
        return Write(backend, name, transaction =>
        {
            var existing = transaction.Read(name) ?? throw Fail.SecretNotFound(name, Backend(backend).Name);
            var merged = existing.Values.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            foreach (var key in removeKeys ?? [])
                if (!merged.Remove(KeyOf(existing, key) ?? key))
                    throw Fail.SecretKeyNotFound(existing, key, Backend(backend).Name);
            foreach (var (key, value) in checkedValues) merged[KeyOf(existing, key) ?? key] = value;
            if (merged.Count == 0)
                throw new StackOpsException("SecretValueMissing", ErrorKind.InvalidArgument, $"Removing those keys would leave secret '{existing.Name}' empty. Remove the secret with Remove-StackSecret instead.", existing.Name);
            var updated = existing.With(values: merged, labels: StackOpsEngine.MergeLabels(existing.Labels, labels), updated: DateTimeOffset.UtcNow);
            transaction.Put(updated);
            return updated;
        }, "Updated");
    }

    public Secret Rename(string name, string newName, string? backend = null)
    {
        SecretNames.Validate(newName);
        var renamed = Write(backend, name, transaction =>
        {
            var existing = transaction.Read(name) ?? throw Fail.SecretNotFound(name, Backend(backend).Name);
            if (transaction.Read(newName) is { } clash && !string.Equals(clash.Name, existing.Name, StringComparison.OrdinalIgnoreCase))
                throw Fail.AlreadyExists("Secret", newName, "Choose another name, or remove that secret first.");
            var result = existing.With(name: newName, updated: DateTimeOffset.UtcNow);
            transaction.Put(result);
            if (!string.Equals(existing.Name, newName, StringComparison.Ordinal)) transaction.Delete(existing.Name);
            return result;
        }, "Renamed");
        var users = Users(name);
        if (users.Count > 0)
            _engine.Messages.Warning($"Secret '{name}' is still referenced by {string.Join(", ", users)}; those references no longer resolve. Change them to '{{{{ {newName}.<key> }}}}' with Set-StackComponent.");
        return renamed;
    }

    /// <summary>Removes a secret; one referenced by a component of this store only with force.</summary>
    public string Remove(string name, string? backend = null, bool force = false)
    {
        var (users, definition, opened) = Removable(name, backend, force);
        using var transaction = opened.Begin();
        // Exists, not Read: a secret that cannot be decrypted (a wrong key, a tampered file) can still be removed.
        if (!opened.Exists(name)) throw Fail.SecretNotFound(name, definition.Name);
        transaction.Delete(name);
        transaction.Commit();
        _engine.Messages.Verbose($"Removed secret '{name}' from the {definition.Type} backend '{definition.Name}'.");
        if (users.Count > 0) _engine.Messages.Warning($"Secret '{name}' was referenced by {string.Join(", ", users)}; those references no longer resolve.");
        return name;
    }

    /// <summary>The checks of <see cref="Remove"/>, changing nothing (-WhatIf, -Confirm): the secret's name.</summary>
    public string CheckRemove(string name, string? backend = null, bool force = false)
    {
        var (_, definition, opened) = Removable(name, backend, force);
        return opened.Exists(name) ? name : throw Fail.SecretNotFound(name, definition.Name);
    }

    private (IReadOnlyList<string> Users, SecretBackendDefinition Definition, ISecretBackend Opened) Removable(string name, string? backend, bool force)
    {
        var users = Users(name, force ? null : $"remove secret '{name}'");
        if (users.Count > 0 && !force) throw Fail.SecretInUse(name, users);
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Write);
        return (users, definition, opened);
    }

    private Secret Write(string? backend, string name, Func<ISecretTransaction, Secret> change, string verb)
    {
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Write);
        using var transaction = opened.Begin();
        var secret = change(transaction);
        transaction.Commit();
        _engine.Messages.Verbose($"{verb} secret '{secret.Name}' (keys: {string.Join(", ", secret.Keys)}) in the {definition.Type} backend '{definition.Name}'.");
        return secret;
    }

    /// <summary>Checks keys and values, and admits the values (<see cref="Admit"/>).</summary>
    private static Dictionary<string, string> Checked(string secret, IReadOnlyDictionary<string, string> values)
    {
        Admit([new Secret(secret, values)]);
        foreach (var (key, value) in values)
        {
            SecretNames.ValidateKey(secret, key);
            if (string.IsNullOrEmpty(value))
                throw new StackOpsException("SecretValueMissing", ErrorKind.InvalidArgument, $"The value of key '{key}' of secret '{secret}' is empty. Give a value, or leave the key out.", secret);
        }
        return values.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// Where every secret value enters StackOps (given to be written, a connector's credentials, read from any
    /// backend): each one is registered with the masker before anything can print it, then a value of one or
    /// two characters once trimmed, which the masker cannot hide, is refused (<see cref="Fail.SecretValueTooShort"/>).
    /// <paramref name="backend"/> is the backend the values were read from, null for values being given.
    /// </summary>
    public static void Admit(IReadOnlyList<Secret> secrets, SecretBackendDefinition? backend = null)
    {
        foreach (var value in secrets.SelectMany(s => s.Values.Values)) SecretMasker.Shared.Register(value);
        foreach (var secret in secrets)
            foreach (var (key, value) in secret.Values)
                if (value.Trim().Length is > 0 and < SecretMasker.MinimumLength) throw Fail.SecretValueTooShort(secret.Name, key, backend);
    }

    /// <summary>Admits every secret of the job's STACKOPS_SECRET_* variables at once (the action, before it prints anything).</summary>
    internal static void AdmitEnvironment()
    {
        var environment = new EnvironmentSecretBackend(SecretBackendTypes.Environment);
        Admit(environment.List().Select(name => environment.Read(name)!).ToList(), BuiltIn(EnvironmentSecretBackend.Type));
    }

    /// <summary>The secret's key for a referenced key: exact, else the one key that differs only in case (the env backend upper-cases).</summary>
    public static string? KeyOf(Secret secret, string key)
    {
        if (secret.Values.ContainsKey(key)) return key;
        var matches = secret.Keys.Where(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    /// <summary>The components of this store whose configuration references a secret, as "the TYPE 'NAME'".</summary>
    /// <summary>With a change, a component that cannot be read stops it: it might reference the secret.</summary>
    private IReadOnlyList<string> Users(string secret, string? change = null)
    {
        var listing = _engine.Components.List();
        if (change is not null && listing.Problems.Count > 0) throw Fail.Unreadable(change, listing.Problems);
        return listing.Items.Where(c => SecretReferenceUse.In(c).Any(u => string.Equals(u.Reference.SecretName, secret, StringComparison.OrdinalIgnoreCase)))
            .Select(c => $"the {c.Type} '{c.Name}'").ToList();
    }

    // ---- References ----------------------------------------------------------------------------

    /// <summary>Every reference of a stack's components, in the stack's type order.</summary>
    public IReadOnlyList<SecretReferenceUse> References(string stack) => Components(_engine.Stacks.Get(stack)).SelectMany(SecretReferenceUse.In).ToList();

    /// <summary>One finding per reference that does not resolve at the given level, with its component, field, file and line.</summary>
    internal IReadOnlyList<StackValidationFinding> Check(IReadOnlyList<StackComponent> components, SecretValidation level, string? backend)
    {
        var uses = components.SelectMany(SecretReferenceUse.In).ToList();
        if (level == SecretValidation.None || uses.Count == 0) return [];
        Func<SecretReferenceUse, StackOpsException?> problemOf;
        try
        {
            var definition = Backend(backend);
            var lookup = new SecretLookup(Open(definition), definition, level);
            problemOf = lookup.Problem;
        }
        catch (StackOpsException unavailable) { problemOf = _ => unavailable; }
        return uses.Select(use => (Use: use, Problem: problemOf(use))).Where(p => p.Problem is not null)
            .Select(p => new StackValidationFinding(FindingSeverity.Error, p.Problem!.ErrorId,
                $"{Capitalize(p.Use.Location)} references {p.Use.Reference}, which does not resolve: {p.Problem.Message}",
                p.Use.ComponentType, p.Use.Component, p.Use.Field, p.Use.File, p.Use.Line))
            .ToList();
    }

    /// <summary>
    /// The effective configuration of every component of a stack with its references resolved.
    /// Every reference that does not resolve is reported at once; stored documents keep the references.
    /// </summary>
    public IReadOnlyList<ResolvedComponent> Resolve(string stackName, string? backend = null)
    {
        var stack = _engine.Stacks.Get(stackName);
        var components = Components(stack);
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Read);
        var lookup = new SecretLookup(opened, definition, SecretValidation.SecretAndKeyExists);
        var unresolved = new List<string>();
        var resolved = new List<ResolvedComponent>();
        foreach (var component in components)
        {
            var configuration = component.EffectiveConfiguration.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var secretFields = Substitute(configuration, SecretReferenceUse.In(component), lookup, definition, unresolved);
            resolved.Add(new ResolvedComponent(stack.Name, component.Type, component.Name, component.Flavor, configuration, secretFields));
        }
        if (unresolved.Count > 0)
            throw Unresolved($"Stack '{stack.Name}'", definition, unresolved, $"Create the missing secrets with Register-StackSecret -Stack {stack.Name}, or choose another backend with -Backend.", stack);
        _engine.Messages.Verbose($"Resolved {resolved.Sum(r => r.SecretFields.Count)} secret reference(s) of stack '{stack.Name}' from the {definition.Type} backend '{definition.Name}'.");
        return resolved;
    }

    /// <summary>
    /// A configuration with its references resolved (a connector's, whose credentials live in a secret);
    /// every reference that does not resolve is reported at once, with the hint given.
    /// </summary>
    internal Dictionary<string, object?> ResolveValues(IReadOnlyDictionary<string, object?> configuration, string owner, string ownerType, object target, string hint, string? backend = null)
    {
        var resolved = configuration.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var uses = configuration.Select(p => (p.Key, Reference: SecretReference.TryParse(p.Value, out var reference) ? reference : null))
            .Where(p => p.Reference is not null)
            .Select(p => new SecretReferenceUse(ownerType, owner, p.Key, p.Reference!, null, null)).ToList();
        if (uses.Count == 0) return resolved;
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Read);
        var unresolved = new List<string>();
        Substitute(resolved, uses, new SecretLookup(opened, definition, SecretValidation.SecretAndKeyExists), definition, unresolved);
        if (unresolved.Count > 0) throw Unresolved($"The {ownerType} '{owner}'", definition, unresolved, hint, target);
        return resolved;
    }

    /// <summary>Puts each reference's value in the configuration; returns the fields resolved, adds what failed to <paramref name="unresolved"/>.</summary>
    private List<string> Substitute(Dictionary<string, object?> configuration, IEnumerable<SecretReferenceUse> uses, SecretLookup lookup,
        SecretBackendDefinition definition, List<string> unresolved)
    {
        var secretFields = new List<string>();
        foreach (var use in uses)
        {
            // A backend that fails (a wrong key, a missing module) is its own error, not a missing secret.
            if (lookup.Failure(use.Reference.SecretName) is { } failure) throw failure;
            if (lookup.Problem(use) is { } problem)
            {
                unresolved.Add($"{use.Location} references {use.Reference}: {problem.Message}");
                continue;
            }
            configuration[use.Field] = lookup.Value(use.Reference);
            secretFields.Add(use.Field);
            _engine.Messages.Debug($"Resolved {use.Reference} for {use.Location} from the {definition.Type} backend '{definition.Name}'.");
        }
        return secretFields;
    }

    private static StackOpsException Unresolved(string owner, SecretBackendDefinition definition, IReadOnlyList<string> unresolved, string hint, object target) =>
        new("SecretReferenceUnresolved", ErrorKind.NotFound,
            $"{owner} has {unresolved.Count} secret reference(s) that do not resolve through the backend '{definition.Name}': {string.Join(" ", unresolved.Select(u => Capitalize(u.TrimEnd('.')) + "."))} {hint}", target);

    /// <summary>The secret keys a stack references that the backend lacks, one per secret and key, in name order (the order of prompts).</summary>
    public IReadOnlyList<MissingSecretKey> Missing(string stackName, string? backend = null)
    {
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Read);
        var lookup = new SecretLookup(opened, definition, SecretValidation.SecretAndKeyExists);
        var missing = new List<MissingSecretKey>();
        foreach (var group in References(stackName).GroupBy(u => (Secret: u.Reference.SecretName.ToLowerInvariant(), Key: u.Reference.Key)))
        {
            var first = group.First();
            var secret = lookup.Read(first.Reference.SecretName);
            if (secret is not null && KeyOf(secret, first.Reference.Key) is not null) continue;
            missing.Add(new MissingSecretKey(secret?.Name ?? first.Reference.SecretName, first.Reference.Key, secret is not null, group.ToList()));
        }
        return missing.OrderBy(m => m.Secret, StringComparer.OrdinalIgnoreCase).ThenBy(m => m.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// ZenML's stack register-secrets: creates the secrets and keys a stack references that are
    /// missing, with the values <paramref name="valueFor"/> gives (a prompt, or values passed in).
    /// Existing secrets get the missing keys added unless skipExisting. Every value is asked for
    /// before anything is written; then one commit.
    /// </summary>
    public IReadOnlyList<Secret> RegisterMissing(string stackName, Func<MissingSecretKey, string> valueFor, bool skipExisting = false, string? backend = null)
    {
        var missing = Missing(stackName, backend);
        var wanted = missing.Where(m => !(skipExisting && m.SecretExists)).ToList();
        foreach (var skipped in missing.Except(wanted))
            _engine.Messages.Verbose($"Skipped key '{skipped.Key}' of the existing secret '{skipped.Secret}' (-SkipExisting).");
        if (wanted.Count == 0) return [];
        foreach (var name in wanted.Select(m => m.Secret).Distinct()) SecretNames.Validate(name);
        var values = wanted.ToDictionary(m => m, m => valueFor(m));
        var definition = Backend(backend);
        var opened = Open(definition);
        Require(opened, definition, SecretBackendCapabilities.Write);
        using var transaction = opened.Begin();
        var written = new List<Secret>();
        foreach (var group in wanted.GroupBy(m => m.Secret, StringComparer.OrdinalIgnoreCase))
        {
            var keys = Checked(group.Key, group.ToDictionary(m => m.Key, m => values[m]));
            var existing = transaction.Read(group.Key);
            var now = DateTimeOffset.UtcNow;
            var merged = (existing?.Values ?? new Dictionary<string, string>()).Concat(keys).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var secret = existing?.With(values: merged, updated: now) ?? new Secret(group.Key, merged, created: now, updated: now);
            transaction.Put(secret);
            written.Add(secret);
        }
        transaction.Commit();
        foreach (var secret in written)
            _engine.Messages.Verbose($"Registered secret '{secret.Name}' (keys: {string.Join(", ", secret.Keys)}) in the {definition.Type} backend '{definition.Name}' for stack '{stackName}'.");
        return written;
    }

    /// <summary>The stack's components with their flavors' defaults; a missing one is an error.</summary>
    private IReadOnlyList<StackComponent> Components(Stack stack) =>
        stack.Components.Select(p => _engine.Components.Get(p.Key, p.Value)).ToList();

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>Reads each secret once per operation (admitting its values), remembering what failed.</summary>
    private sealed class SecretLookup(ISecretBackend backend, SecretBackendDefinition definition, SecretValidation level)
    {
        private readonly Dictionary<string, (Secret? Secret, bool Exists, StackOpsException? Error)> _secrets = new(StringComparer.OrdinalIgnoreCase);

        public Secret? Read(string name) => Load(name).Secret;

        public StackOpsException? Failure(string name) => Load(name).Error;

        public StackOpsException? Problem(SecretReferenceUse use)
        {
            var (secret, exists, error) = Load(use.Reference.SecretName);
            if (error is not null) return error;
            if (!exists) return Fail.SecretNotFound(use.Reference.SecretName, definition.Name);
            if (level == SecretValidation.SecretAndKeyExists && KeyOf(secret!, use.Reference.Key) is null)
                return Fail.SecretKeyNotFound(secret!, use.Reference.Key, definition.Name);
            return null;
        }

        public string Value(SecretReference reference)
        {
            var secret = Load(reference.SecretName).Secret!;
            return secret.Values[KeyOf(secret, reference.Key)!];
        }

        private (Secret? Secret, bool Exists, StackOpsException? Error) Load(string name)
        {
            if (_secrets.TryGetValue(name, out var known)) return known;
            try
            {
                known = level == SecretValidation.SecretExists
                    ? (null, backend.Exists(name), null)
                    : backend.Read(name) is { } secret ? Admitted(secret) : (null, false, null);
            }
            catch (StackOpsException e) { known = (null, false, e); }
            return _secrets[name] = known;
        }

        private (Secret?, bool, StackOpsException?) Admitted(Secret secret)
        {
            Admit([secret], definition);
            return (secret, true, null);
        }
    }
}
