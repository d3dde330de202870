using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using StackOps.Abstractions;
using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Yaml;

namespace StackOps.Core.Integrations;

/// <summary>A registered integration, as its manifest records it (read without loading its code).</summary>
public sealed record IntegrationInfo(string Name, string Version, string Assembly, string AbstractionsVersion, IReadOnlyList<string> Requirements,
    IReadOnlyList<string> Flavors, string Path, int Validators = 0, IReadOnlyList<string>? ConnectorTypes = null)
{
    /// <summary>The secret backend types it adds.</summary>
    public IReadOnlyList<IntegrationSecretBackendType> SecretBackends { get; init; } = [];

    public override string ToString() => $"{Name} {Version}";
}

/// <summary>A secret backend type an integration adds, as its manifest records it.</summary>
public sealed record IntegrationSecretBackendType(string Type, string Description, SecretBackendCapabilities Capabilities, SecretVaultSetting Vault)
{
    public override string ToString() => Type;
}

/// <summary>
/// Integrations in .NET, registered per user (in STACKOPS_HOME/integrations): Register copies the
/// build output (a folder, a .dll or a .nupkg) there, loads it once in a collectible context of its
/// own to read its name, version, requirements and flavors, and records them in a manifest, so that
/// listing integrations and their flavors never loads their code. Their code is loaded, each in its
/// own context, only when one of their implementations is used.
/// </summary>
public sealed class IntegrationService
{
    public const string Label = "stackops.io/integration";
    private const string ManifestFile = "integration.json";
    private const string FlavorsFile = "flavors.yaml";
    private const string ConnectorTypesFile = "connector-types.json";
    private static readonly Version Abstractions = typeof(StackIntegration).Assembly.GetName().Version!;

    /// <summary>
    /// Loaded integrations, by folder: an assembly loaded into a context stays for the process's life,
    /// so every engine of the process must reuse the one context instead of loading it again.
    /// </summary>
    private static readonly ConcurrentDictionary<string, Lazy<StackIntegration>> Loaded = new(StringComparer.Ordinal);

    private readonly string _root;
    private Lazy<IReadOnlyList<Registered>> _registered;
    private Lazy<IReadOnlyList<Flavor>> _flavors;

    /// <summary>A registered integration as its manifest describes it: what it adds, read without loading its code.</summary>
    private sealed record Registered(IntegrationInfo Info, IReadOnlyList<Flavor> Flavors, IReadOnlyList<ConnectorType> ConnectorTypes);

    internal IntegrationService(string userHome)
    {
        _root = System.IO.Path.Combine(userHome, "integrations");
        (_registered, _flavors) = Manifests();
    }

    /// <summary>The registered integrations, read from their manifests when first asked for (again after a change).</summary>
    private (Lazy<IReadOnlyList<Registered>>, Lazy<IReadOnlyList<Flavor>>) Manifests()
    {
        var registered = new Lazy<IReadOnlyList<Registered>>(ReadManifests);
        return (registered, new(() => registered.Value.SelectMany(r => r.Flavors).ToList()));
    }

    public IReadOnlyList<IntegrationInfo> List() => _registered.Value.Select(r => r.Info).ToList();

    public IntegrationInfo Get(string name) =>
        List().FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new StackOpsException("IntegrationNotFound", ErrorKind.NotFound, $"No integration '{name}' is registered. Run Get-StackIntegration to list them, or Register-StackIntegration -Path <build output> to add it.", name);

    /// <summary>The flavors of every registered integration, each knowing its integration.</summary>
    internal IReadOnlyList<Flavor> Flavors => _flavors.Value;

    /// <summary>The connector types of every registered integration, each knowing its integration.</summary>
    internal IReadOnlyList<ConnectorType> ConnectorTypes => _registered.Value.SelectMany(r => r.ConnectorTypes).ToList();

    /// <summary>Registers (or upgrades) the integration built at a path: a folder, its main .dll, or a .nupkg.</summary>
    public IntegrationInfo Register(string path)
    {
        Directory.CreateDirectory(_root);
        var staging = Directory.CreateDirectory(System.IO.Path.Combine(_root, $".staging-{Guid.NewGuid():N}")).FullName;
        try
        {
            var main = Stage(path, staging);
            var context = new IntegrationLoadContext("registration", main, collectible: true);
            IntegrationInfo info;
            string flavors, connectorTypes;
            try
            {
                (info, flavors, connectorTypes) = Describe(Instantiate(context, path), main);
            }
            finally
            {
                context.Unload();
            }
            if (Flavors.FirstOrDefault(f => f.Integration is not null && !string.Equals(f.Integration, info.Name, StringComparison.OrdinalIgnoreCase)
                                            && info.Flavors.Contains($"{f.Type}/{f.Name}", StringComparer.OrdinalIgnoreCase)) is { } taken)
                throw new StackOpsException("IntegrationFlavorConflict", ErrorKind.AlreadyExists,
                    $"Integration '{info.Name}' adds the {taken.Type} flavor '{taken.Name}', which integration '{taken.Integration}' already adds. Unregister that one first, or rename the flavor.", info.Name);
            if (ConnectorTypes.FirstOrDefault(t => !string.Equals(t.Integration, info.Name, StringComparison.OrdinalIgnoreCase)
                                                   && (info.ConnectorTypes ?? []).Contains(t.Name, StringComparer.OrdinalIgnoreCase)) is { } typeTaken)
                throw new StackOpsException("IntegrationFlavorConflict", ErrorKind.AlreadyExists,
                    $"Integration '{info.Name}' adds the connector type '{typeTaken.Name}', which integration '{typeTaken.Integration}' already adds. Unregister that one first, or rename the type.", info.Name);
            if (List().Where(other => !string.Equals(other.Name, info.Name, StringComparison.OrdinalIgnoreCase))
                    .SelectMany(other => other.SecretBackends.Select(t => (other.Name, t.Type)))
                    .FirstOrDefault(t => info.SecretBackends.Any(mine => string.Equals(mine.Type, t.Type, StringComparison.OrdinalIgnoreCase))) is { Name: not null } clash)
                throw new StackOpsException("IntegrationSecretBackendConflict", ErrorKind.AlreadyExists,
                    $"Integration '{info.Name}' adds the secret backend type '{clash.Type}', which integration '{clash.Name}' already adds. Unregister that one first, or rename the type.", info.Name);
            var target = System.IO.Path.Combine(_root, info.Name);
            File.WriteAllText(System.IO.Path.Combine(staging, FlavorsFile), flavors);
            File.WriteAllText(System.IO.Path.Combine(staging, ConnectorTypesFile), connectorTypes);
            File.WriteAllText(System.IO.Path.Combine(staging, ManifestFile), JsonSerializer.Serialize(info with { Path = "" }, new JsonSerializerOptions { WriteIndented = true }));
            var previous = System.IO.Path.Combine(_root, $".previous-{Guid.NewGuid():N}");
            if (Directory.Exists(target)) Directory.Move(target, previous);
            Directory.Move(staging, target);
            if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
            (_registered, _flavors) = Manifests();
            return info with { Path = target };
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Removes an integration; refused while a component of the store uses one of its flavors, a connector one of its connector types, or a registered secret backend one of its secret backend types.</summary>
    public IntegrationInfo Unregister(string name, IEnumerable<StackComponent> components, IEnumerable<ServiceConnector>? connectors = null, IEnumerable<SecretBackendDefinition>? secretBackends = null)
    {
        var info = Get(name);
        var users = components.Where(c => info.Flavors.Contains($"{c.Type}/{c.Flavor}", StringComparer.OrdinalIgnoreCase)).ToList();
        if (users.Count > 0)
            throw new StackOpsException("IntegrationInUse", ErrorKind.InvalidOperation,
                $"Integration '{info.Name}' gives the flavors of {string.Join(", ", users.Select(c => $"the {c.Type} '{c.Name}'"))}. Remove those components first (Remove-StackComponent).", info.Name);
        var connectorUsers = (connectors ?? []).Where(c => (info.ConnectorTypes ?? []).Contains(c.Type, StringComparer.OrdinalIgnoreCase)).ToList();
        if (connectorUsers.Count > 0)
            throw new StackOpsException("IntegrationInUse", ErrorKind.InvalidOperation,
                $"Integration '{info.Name}' gives the type of the service connectors {string.Join(", ", connectorUsers.Select(c => $"'{c.Name}'"))}. Remove them first (Remove-ServiceConnector).", info.Name);
        var backends = (secretBackends ?? []).Where(b => info.SecretBackends.Any(t => string.Equals(t.Type, b.Type, StringComparison.OrdinalIgnoreCase))).ToList();
        if (backends.Count > 0)
            throw new StackOpsException("IntegrationInUse", ErrorKind.InvalidOperation,
                $"Integration '{info.Name}' gives the type of the secret backend(s) {string.Join(", ", backends.Select(b => $"'{b.Name}' ({b.Type})"))}. Unregister those first (Unregister-StackSecretBackend).", info.Name);
        Directory.Delete(info.Path, recursive: true);
        (_registered, _flavors) = Manifests();
        return info;
    }

    /// <summary>A registered integration, loaded (once per process) if it was not yet.</summary>
    private static StackIntegration Load(IntegrationInfo info)
    {
        var main = System.IO.Path.Combine(info.Path, info.Assembly);
        return Loaded.GetOrAdd($"{main}|{info.Version}", _ => new Lazy<StackIntegration>(() => Instantiate(new IntegrationLoadContext(info.Name, main, collectible: false), info.Path))).Value;
    }

    /// <summary>
    /// The problems the registered integrations' validators find in a stack (only integrations that
    /// declare validators are loaded); a validator that throws is one IntegrationBroken finding.
    /// </summary>
    internal IEnumerable<(string Integration, StackProblem Problem)> Validate(StackDescription stack)
    {
        foreach (var info in List().Where(i => i.Validators > 0))
        {
            var problems = new List<StackProblem>();
            try
            {
                foreach (var validator in Load(info).Validators) problems.AddRange(validator.Validate(stack));
            }
            catch (Exception e)
            {
                problems = [new StackProblem("IntegrationBroken", $"Integration '{info.Name}' failed to check the stack: {(e is StackOpsException ? e.Message : $"{e.GetType().Name}: {e.Message}")}")];
            }
            foreach (var problem in problems) yield return (info.Name, problem);
        }
    }

    /// <summary>The orchestrator implementation of an integration's flavor, its integration loaded (once per process) if it was not yet.</summary>
    internal IOrchestrator Orchestrator(Flavor flavor) =>
        Implementation(flavor, d => d.Orchestrator is { } create ? create() : null, "OrchestratorNotRunnable", "orchestrator");

    /// <summary>The artifact store implementation of an integration's flavor, for one component.</summary>
    internal IArtifactStore ArtifactStore(Flavor flavor, ComponentContext context) =>
        Implementation(flavor, d => d.ArtifactStore?.Invoke(context), "ComponentNotTestable", "artifact store");

    /// <summary>The container registry implementation of an integration's flavor, for one component.</summary>
    internal IContainerRegistry ContainerRegistry(Flavor flavor, ComponentContext context) =>
        Implementation(flavor, d => d.ContainerRegistry?.Invoke(context), "ComponentNotTestable", "container registry");

    private T Implementation<T>(Flavor flavor, Func<FlavorDefinition, T?> create, string missingId, string what) where T : class
    {
        var info = Get(flavor.Integration!);
        var definition = Load(info).Flavors.FirstOrDefault(f => string.Equals(f.Name, flavor.Name, StringComparison.OrdinalIgnoreCase) && ComponentTypes.Normalize(f.ComponentType) == flavor.Type);
        T? implementation;
        try
        {
            implementation = definition is null ? null : create(definition);
        }
        catch (Exception e)
        {
            throw Broken(info.Name, $"its {what} '{flavor.Name}' failed to start: {e.GetType().Name}: {Secrets.SecretMasker.Shared.Apply(e.Message)}");
        }
        return implementation ?? throw new StackOpsException(missingId, ErrorKind.InvalidOperation,
            $"Integration '{info.Name}' {info.Version} gives the {what} flavor '{flavor.Name}' no implementation. Register a version of it that does.", flavor.Name);
    }

    /// <summary>The provider of an integration's connector type, its integration loaded (once per process) if it was not yet.</summary>
    internal IConnectorProvider ConnectorProvider(ConnectorType type)
    {
        var info = Get(type.Integration!);
        var definition = Load(info).ConnectorTypes.FirstOrDefault(t => string.Equals(t.Name, type.Name, StringComparison.OrdinalIgnoreCase))
            ?? throw new StackOpsException("ConnectorTypeUnavailable", ErrorKind.InvalidOperation,
                $"Integration '{info.Name}' {info.Version} no longer gives the connector type '{type.Name}'. Register it again (Register-StackIntegration) or a version that does.", type.Name);
        try
        {
            return definition.Provider();
        }
        catch (Exception e) when (e is not StackOpsException)
        {
            throw Broken(info.Name, $"its connector type '{type.Name}' failed to start: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The secret backend types of the registered integrations, from their manifests; an integration is loaded when a backend of one of its types is opened.</summary>
    internal IEnumerable<RegisteredSecretBackendType> SecretBackendTypes =>
        List().SelectMany(info => info.SecretBackends.Select(type => new RegisteredSecretBackendType(
            new SecretBackendTypeDefinition(type.Type, type.Description, type.Capabilities, context => OpenSecretBackend(info, type.Type, context)) { Vault = type.Vault },
            info.Name)));

    /// <summary>A backend of an integration's type, its integration loaded (once per process) if it was not yet; what it throws becomes SecretBackendFailed.</summary>
    private static ISecretBackend OpenSecretBackend(IntegrationInfo info, string type, SecretBackendContext context)
    {
        var integration = Load(info);
        try
        {
            var definition = integration.SecretBackends.FirstOrDefault(d => string.Equals(d.Type, type, StringComparison.OrdinalIgnoreCase))
                             ?? throw Broken(info.Name, $"it no longer adds the secret backend type '{type}' its registration records; register it again");
            return new IntegrationSecretBackend(definition.Open(context), info.Name, context.Name);
        }
        catch (Exception e) when (e is not StackOpsException)
        {
            throw IntegrationSecretBackend.Failed(info.Name, context.Name, e);
        }
    }

    /// <summary>Copies what was built to the staging folder; the main assembly there.</summary>
    private static string Stage(string path, string staging)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
            {
                var copy = System.IO.Path.Combine(staging, System.IO.Path.GetRelativePath(full, file));
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
            }
            return MainAssembly(staging, path);
        }
        if (full.EndsWith(".nupkg", StringComparison.OrdinalIgnoreCase) && File.Exists(full))
        {
            using var package = ZipFile.OpenRead(full);
            var lib = package.Entries.Where(e => e.FullName.StartsWith("lib/net", StringComparison.OrdinalIgnoreCase) && e.Name.Length > 0)
                .GroupBy(e => e.FullName.Split('/')[1]).Where(g => Version.TryParse(g.Key[3..], out var v) && v.Major <= Environment.Version.Major)
                .OrderByDescending(g => Version.Parse(g.Key[3..])).FirstOrDefault()
                ?? throw Invalid(path, "the package has no lib/netX.Y folder for this .NET");
            foreach (var entry in lib) entry.ExtractToFile(System.IO.Path.Combine(staging, entry.Name));
            return MainAssembly(staging, path);
        }
        if (full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && File.Exists(full))
        {
            foreach (var file in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(full)!))
                File.Copy(file, System.IO.Path.Combine(staging, System.IO.Path.GetFileName(file)));
            return System.IO.Path.Combine(staging, System.IO.Path.GetFileName(full));
        }
        throw new StackOpsException("IntegrationNotFound", ErrorKind.NotFound,
            $"'{path}' is not an integration's build output: give its folder (bin/Release/net8.0), its .dll or its .nupkg.", path);
    }

    /// <summary>The folder's assembly that references StackOps.Abstractions (the integration's own; its dependencies do not).</summary>
    private static string MainAssembly(string folder, string path)
    {
        var candidates = Directory.EnumerateFiles(folder, "*.dll").Where(file =>
        {
            if (System.IO.Path.GetFileName(file).Equals("StackOps.Abstractions.dll", StringComparison.OrdinalIgnoreCase)) return false;
            try { return ReferencedAbstractions(file) is not null; }
            catch (BadImageFormatException) { return false; }
        }).ToList();
        return candidates.Count == 1 ? candidates[0]
            : throw Invalid(path, candidates.Count == 0 ? "no assembly in it references StackOps.Abstractions" : $"several assemblies reference StackOps.Abstractions ({string.Join(", ", candidates.Select(System.IO.Path.GetFileName))}): give the main one's .dll");
    }

    private static Version? ReferencedAbstractions(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
        if (!reader.HasMetadata) return null;
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(reader);
        return metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
            .Where(r => metadata.GetString(r.Name) == "StackOps.Abstractions").Select(r => r.Version).FirstOrDefault();
    }

    /// <summary>An assembly the integration references that is neither beside it, nor StackOps.Abstractions, nor the .NET runtime's own.</summary>
    private static string? MissingDependency(string main)
    {
        var runtime = System.IO.Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var platform = Directory.EnumerateFiles(runtime, "*.dll").Select(System.IO.Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.OrdinalIgnoreCase);
        using var stream = File.OpenRead(main);
        using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(reader);
        var folder = System.IO.Path.GetDirectoryName(main)!;
        return metadata.AssemblyReferences.Select(r => metadata.GetString(metadata.GetAssemblyReference(r).Name))
            .FirstOrDefault(name => name != "StackOps.Abstractions" && !platform.Contains(name) && !File.Exists(System.IO.Path.Combine(folder, name + ".dll")));
    }

    /// <summary>The integration's one StackIntegration, constructed; every way that fails is IntegrationBroken or IntegrationIncompatible.</summary>
    private static StackIntegration Instantiate(IntegrationLoadContext context, string path)
    {
        var referenced = ReferencedAbstractions(context.MainAssembly)!;
        if (referenced.Major != Abstractions.Major || referenced > Abstractions)
            throw new StackOpsException("IntegrationIncompatible", ErrorKind.InvalidOperation,
                $"'{path}' was built against StackOps.Abstractions {referenced.ToString(3)}; this StackOps has {Abstractions.ToString(3)}. Rebuild it against {Abstractions.Major}.x (at most {Abstractions.ToString(3)}).", path);
        if (MissingDependency(context.MainAssembly) is { } absent)
            throw Broken(path, $"a dependency is missing ({absent}); register the whole build output folder (EnableDynamicLoading copies the dependencies there)");
        try
        {
            var assembly = context.LoadFromAssemblyPath(context.MainAssembly);
            var types = assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(StackIntegration)) && !t.IsAbstract).ToList();
            if (types.Count != 1)
                throw Invalid(path, $"it must export exactly one non-abstract StackIntegration subclass; it exports {types.Count}");
            return (StackIntegration)Activator.CreateInstance(types[0])!;
        }
        catch (Exception e) when (e is not StackOpsException)
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            throw Broken(path, cause is FileNotFoundException missing ? $"a dependency is missing ({missing.FileName}); register the whole build output folder" : $"{cause.GetType().Name}: {cause.Message}");
        }
    }

    /// <summary>Its manifest and its flavors as Flavor documents, each checked by the flavor parser.</summary>
    private static (IntegrationInfo Info, string Flavors, string ConnectorTypes) Describe(StackIntegration integration, string main)
    {
        string name, version;
        IReadOnlyList<FlavorDefinition> definitions;
        IReadOnlyList<ConnectorTypeDefinition> connectorTypes;
        IReadOnlyList<string> requirements;
        int validators;
        IReadOnlyList<SecretBackendTypeDefinition> secretBackends;
        try
        {
            (name, version, definitions, connectorTypes, requirements, validators) =
                (integration.Name, integration.Version, integration.Flavors, integration.ConnectorTypes, integration.Requirements, integration.Validators.Count);
            secretBackends = integration.SecretBackends;
        }
        catch (Exception e)
        {
            throw Broken(main, $"{e.GetType().Name}: {e.Message}");
        }
        NameRules.Validate("Integration", name);
        var documents = new StringBuilder();
        foreach (var definition in definitions)
        {
            var type = ComponentTypes.Normalize(definition.ComponentType);
            NameRules.Validate("Flavor", definition.Name);
            if (FlavorCatalog.FindBuiltIn(type, definition.Name) is not null)
                throw Invalid(main, $"its {type} flavor '{definition.Name}' has the name of a built-in flavor");
            if (type == ComponentTypes.Orchestrator && definition.Orchestrator is null)
                throw Invalid(main, $"its orchestrator flavor '{definition.Name}' has no implementation (FlavorDefinition.Orchestrator)");
            var schema = string.Join("\n", (definition.ConfigurationSchema ?? "").Replace("\r\n", "\n").Split('\n').Select(line => "    " + line));
            var connector = definition.Connector is not { } link ? ""
                : $"  connector:\n    resourceType: {Quote(link.ResourceType)}\n{(link.ConnectorType is null ? "" : $"    connectorType: {Quote(link.ConnectorType)}\n")}{(link.ResourceIdField is null ? "" : $"    resourceIdField: {Quote(link.ResourceIdField)}\n")}";
            var document = $"apiVersion: stackops.io/v1\nkind: Flavor\nmetadata:\n  name: {Quote(definition.Name)}\n  type: {type}\nspec:\n  description: {Quote(definition.Description ?? "")}\n{connector}  configuration:\n{(schema.Trim().Length == 0 ? "    {}" : schema)}\n";
            DocumentCodec.ReadAll(document, $"{name}: {type} flavor {definition.Name}");
            documents.Append("---\n").Append(document);
        }
        var manifests = connectorTypes.Select(t => ConnectorTypeManifest.Of(t, main)).ToList();
        foreach (var manifest in manifests) manifest.ToConnectorType(name, main);
        var info = new IntegrationInfo(name, version, System.IO.Path.GetFileName(main), ReferencedAbstractions(main)!.ToString(3), requirements.ToList(),
            definitions.Select(d => $"{ComponentTypes.Normalize(d.ComponentType)}/{d.Name}").ToList(), "", validators, manifests.Select(m => m.Name).ToList()) { SecretBackends = DescribeSecretBackends(secretBackends, main) };
        return (info, documents.ToString(), JsonSerializer.Serialize(manifests, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>A connector type as an integration's manifest keeps it: its descriptions and schemas, without its provider.</summary>
    private sealed record ConnectorTypeManifest(string Name, string Description, IReadOnlyList<AuthMethodManifest> AuthMethods, IReadOnlyList<ResourceTypeDefinition> ResourceTypes)
    {
        public static ConnectorTypeManifest Of(ConnectorTypeDefinition definition, string main)
        {
            NameRules.Validate("Connector type", definition.Name);
            if (ConnectorCatalog.Find(definition.Name) is not null)
                throw Invalid(main, $"its connector type '{definition.Name}' has the name of a built-in connector type");
            if (definition.AuthMethods is not { Count: > 0 } || definition.ResourceTypes is not { Count: > 0 } || definition.Provider is null)
                throw Invalid(main, $"its connector type '{definition.Name}' needs at least one auth method, one resource type and a provider");
            return new(definition.Name, definition.Description ?? "",
                definition.AuthMethods.Select(m => new AuthMethodManifest(m.Name, m.Description ?? "", m.ConfigurationSchema ?? "", m.Expires, m.DefaultLifetime?.TotalSeconds)).ToList(),
                definition.ResourceTypes.ToList());
        }

        /// <summary>The engine's connector type; each auth method's schema read by the flavor schema parser.</summary>
        public ConnectorType ToConnectorType(string integration, string source)
        {
            if (AuthMethods is not { Count: > 0 } || ResourceTypes is not { Count: > 0 } || AuthMethods.Any(m => m is null) || ResourceTypes.Any(r => r is null))
                throw Invalid(source, $"its connector type '{Name}' needs auth methods and resource types");
            NameRules.Validate("Connector type", Name);
            foreach (var resourceType in ResourceTypes) NameRules.Validate("Resource type", resourceType.Name);
            return new(Name, Description ?? "",
                AuthMethods.Select(m => new ConnectorAuthMethod(NameRules.Validate("Auth method", m.Name), m.Description ?? "",
                    DocumentCodec.ReadSchema(m.ConfigurationSchema ?? "", $"{source}: connector type {Name}, auth method {m.Name}"), expires: m.Expires,
                    defaultLifetime: m.DefaultLifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null)).ToList(),
                ResourceTypes.Select(r => new ConnectorResourceType(r.Name, r.Description ?? "", r.SupportsInstances, r.IdFormat ?? "")).ToList(), integration);
        }
    }

    private sealed record AuthMethodManifest(string Name, string Description, string ConfigurationSchema, bool Expires, double? DefaultLifetimeSeconds);

    /// <summary>The secret backend types as the manifest records them, each checked: a valid, new name and an implementation.</summary>
    private static List<IntegrationSecretBackendType> DescribeSecretBackends(IReadOnlyList<SecretBackendTypeDefinition> definitions, string main)
    {
        var types = new List<IntegrationSecretBackendType>();
        foreach (var definition in definitions)
        {
            NameRules.Validate("SecretBackendType", definition.Type);
            if (Secrets.SecretBackendTypes.BuiltIn.Contains(definition.Type, StringComparer.OrdinalIgnoreCase))
                throw Invalid(main, $"its secret backend type '{definition.Type}' has the name of a built-in type");
            if (types.Any(t => string.Equals(t.Type, definition.Type, StringComparison.OrdinalIgnoreCase)))
                throw Invalid(main, $"it adds the secret backend type '{definition.Type}' twice");
            if (definition.Open is null)
                throw Invalid(main, $"its secret backend type '{definition.Type}' has no implementation (SecretBackendTypeDefinition.Open)");
            types.Add(new IntegrationSecretBackendType(definition.Type, definition.Description ?? "", definition.Capabilities, definition.Vault));
        }
        return types;
    }

    private IReadOnlyList<Registered> ReadManifests()
    {
        if (!Directory.Exists(_root)) return [];
        var registered = new List<Registered>();
        foreach (var folder in Directory.EnumerateDirectories(_root).Where(f => !System.IO.Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            if (Registration(folder) is { } registration) registered.Add(registration);
        }
        return registered;
    }

    /// <summary>A YAML scalar for any text: a JSON string is a valid double-quoted YAML scalar.</summary>
    private static string Quote(string text) => JsonSerializer.Serialize(text);

    /// <summary>
    /// A registered integration's manifest and flavors; null when they are missing or damaged, so that
    /// one damaged registration is left out (its flavors then say which integration to register again)
    /// instead of breaking every command.
    /// </summary>
    private static Registered? Registration(string folder)
    {
        var manifest = System.IO.Path.Combine(folder, ManifestFile);
        var file = System.IO.Path.Combine(folder, FlavorsFile);
        var connectorTypes = System.IO.Path.Combine(folder, ConnectorTypesFile);
        if (!File.Exists(manifest) || !File.Exists(file)) return null;
        try
        {
            if (JsonSerializer.Deserialize<IntegrationInfo>(IO.SafeFiles.ReadText(manifest, 1 << 20, "IntegrationInvalid")) is not
                { Name: not null, Version: not null, Assembly: not null, Flavors: not null, Requirements: not null } parsed
                || parsed.Flavors.Any(f => f is null) || parsed.ConnectorTypes?.Any(t => t is null) == true
                || parsed.SecretBackends?.Any(b => b?.Type is null) == true) return null;
            var info = parsed with { Path = folder, SecretBackends = parsed.SecretBackends ?? [] };
            var types = File.Exists(connectorTypes)
                ? (JsonSerializer.Deserialize<List<ConnectorTypeManifest?>>(IO.SafeFiles.ReadText(connectorTypes, 1 << 20, "IntegrationInvalid")) ?? [])
                    .Select(t => (t ?? throw Invalid(connectorTypes, "a connector type is empty")).ToConnectorType(info.Name, connectorTypes)).ToList()
                : [];
            return new(info, DocumentCodec.ReadAll(IO.SafeFiles.ReadText(file, 1 << 20, "IntegrationInvalid"), file, path: file).OfType<Flavor>().Select(f => f.FromIntegration(info.Name)).ToList(), types);
        }
        catch (Exception e) when (e is JsonException or StackOpsException or IOException)
        {
            return null;
        }
    }

    private static StackOpsException Invalid(string path, string reason) =>
        new("IntegrationInvalid", ErrorKind.InvalidData, $"'{path}' is not a usable integration: {reason}.", path);

    private static StackOpsException Broken(string what, string reason) =>
        new("IntegrationBroken", ErrorKind.InvalidOperation, $"Integration '{what}' could not be loaded: {reason}. Everything else keeps working; fix and rebuild it, then register it again.", what);
}
