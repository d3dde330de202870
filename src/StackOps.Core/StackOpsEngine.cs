using StackOps.Core.Components;
using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Interop;
using StackOps.Core.IO;
using StackOps.Core.Model;
using StackOps.Core.Pipelines;
using StackOps.Core.Secrets;
using StackOps.Core.Stacks;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.Core;

/// <summary>The engine over one store: every StackOps rule is reached from here, with no PowerShell in sight.</summary>
public sealed class StackOpsEngine
{
    public StackOpsEngine(StoreLocation location) : this(location, new DirectoryStore(location.Root, location.Scope)) { }

    /// <summary>The engine over a given store (a team server's, a database's for the server itself); the location gives the user's home.</summary>
    public StackOpsEngine(StoreLocation location, IStackStore store)
    {
        Location = location;
        Store = store;
        ActiveStacks = new ActiveStacks(location);
        Flavors = new FlavorService(this);
        Components = new ComponentService(this);
        Behaviour = new Components.ComponentBehaviour(this);
        Stacks = new StackService(this);
        Interchange = new StackInterchange(this);
        Integrations = new Integrations.IntegrationService(location.UserHome);
        Secrets = new SecretService(this, () => Integrations.SecretBackendTypes);
        Connectors = new ConnectorService(this);
        Pipelines = new PipelineService(this);
        Promotions = new PromotionService(this);
        CloudStacks = new Cloud.CloudStackService(this);
        CloudRegistrar = new Cloud.CloudStackRegistrar(this);
        Runs = new PipelineRuns(this);
        Messages = new MaskedLog(() => Log);
    }

    /// <summary>
    /// The store of a scope; without one, the team server's when one is configured
    /// (Connect-StackServer, $env:STACKOPS_SERVER), else the repository's around the directory, else the user's.
    /// </summary>
    public static StackOpsEngine Open(StoreScope? scope, string currentDirectory)
    {
        var home = StoreLocator.UserHome();
        if (scope == StoreScope.Server || scope is null && Access.ServerConnection.IsConfigured(home))
        {
            var connection = Access.ServerConnection.Required(home);
            return new(new StoreLocation(StoreScope.Server, connection.Server.AbsoluteUri, null, home), connection.OpenStore());
        }
        return new(StoreLocator.Resolve(scope, currentDirectory));
    }

    /// <summary>Who is acting: the principal a server store authenticated, else the user as git and the environment say.</summary>
    internal string Who => Store.Identity ?? Core.Pipelines.Identity.Current(Location.RepositoryRoot ?? Environment.CurrentDirectory);

    public StoreLocation Location { get; }
    public IStackStore Store { get; }
    public StackService Stacks { get; }
    public ComponentService Components { get; }
    /// <summary>What artifact stores and container registries do: checked and listed through their implementations.</summary>
    public Components.ComponentBehaviour Behaviour { get; }
    public FlavorService Flavors { get; }
    public StackInterchange Interchange { get; }
    public SecretService Secrets { get; }
    public ConnectorService Connectors { get; }
    public PipelineService Pipelines { get; }
    public PromotionService Promotions { get; }
    public Cloud.CloudStackService CloudStacks { get; }
    public Cloud.CloudStackRegistrar CloudRegistrar { get; }
    public Integrations.IntegrationService Integrations { get; }
    public PipelineRuns Runs { get; }

    /// <summary>The engine's clock (soak times, freeze windows, records); tests set their own.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
    internal ActiveStacks ActiveStacks { get; }

    /// <summary>Receives the engine's warnings, verbose and debug messages, masked.</summary>
    public IEngineLog? Log { get; set; }
    internal MaskedLog Messages { get; }

    internal DocumentView View() => new(Store) { IntegrationFlavors = () => Integrations.Flavors };

    /// <summary>Reviews of workflow runs waiting for a GitHub environment's approval.</summary>
    public GitHub.GitHubReviews GitHubReviews(GitHub.GitHubApi api) => new(api, Messages.Verbose);

    /// <summary>The GitHub environments of a repository, made to match the lifecycle's stages.</summary>
    public GitHub.EnvironmentSync EnvironmentSync(GitHub.GitHubApi api, GitHub.GitHubRepository repository) => new(this, api, repository);

    /// <summary>Runs a change under the store's lock, committing it only if the body returns.</summary>
    internal T Change<T>(Func<IStoreTransaction, DocumentView, T> body)
    {
        using var transaction = Store.Begin();
        var result = body(transaction, new DocumentView(transaction, Store.Scope) { IntegrationFlavors = () => Integrations.Flavors });
        transaction.Commit();
        return result;
    }

    /// <summary>Creates a repository store (.stackops/) in a folder; with force, an existing one is left as it is.</summary>
    public static StoreLocation InitializeRepository(string folder, bool force)
    {
        var root = Path.Combine(Path.GetFullPath(folder), StoreLocator.RepositoryFolder);
        if (Directory.Exists(root) && !force)
            throw new StackOpsException("RepositoryAlreadyInitialized", ErrorKind.AlreadyExists,
                $"'{folder}' already holds a StackOps repository ({root}). Use it as it is, or pass -Force to complete a partial one.", folder);
        using (SafeFiles.AcquireLock(root))
        {
            foreach (var sub in new[] { "stacks", "components", "flavors" }) SafeFiles.CreateOwnerOnlyFolder(Path.Combine(root, sub));
            var ignore = Path.Combine(root, ".gitignore");
            if (!File.Exists(ignore))
                SafeFiles.WriteAtomically(ignore, $"# StackOps: per-process files that must never be committed\n{SafeFiles.LockFileName}\n{SafeFiles.TemporaryFolderName}/\n{StoreJournal.FileName}\n*.tmp\n",
                    temporaryFolder: Path.Combine(root, SafeFiles.TemporaryFolderName));
        }
        return new StoreLocation(StoreScope.Repository, root, Path.GetFullPath(folder), StoreLocator.UserHome());
    }

    internal static DocumentKey KeyOf(object document) => document switch
    {
        Stack s => new DocumentKey(DocumentCodec.StackKind, s.Name),
        StackComponent c => new DocumentKey(DocumentCodec.ComponentKind, c.Name, c.Type),
        Flavor f => new DocumentKey(DocumentCodec.FlavorKind, f.Name, f.Type),
        SecretBackendDefinition b => new DocumentKey(DocumentCodec.SecretBackendKind, b.Name),
        Connectors.ServiceConnector c => new DocumentKey(DocumentCodec.ConnectorKind, c.Name),
        Pipelines.Pipeline p => new DocumentKey(DocumentCodec.PipelineKind, p.Name),
        Pipelines.PipelineVersion v => new DocumentKey(DocumentCodec.PipelineVersionKind, v.Version, v.Pipeline),
        Pipelines.Lifecycle l => new DocumentKey(DocumentCodec.LifecycleKind, "lifecycle"),
        Pipelines.PromotionRecord r => new DocumentKey(DocumentCodec.PromotionKind, r.Id),
        _ => throw new ArgumentException(document.GetType().Name, nameof(document)),
    };

    /// <summary>Writes a document in a transaction and returns it as stored (with its file).</summary>
    internal static string Write(IStoreTransaction transaction, object document)
    {
        var key = KeyOf(document);
        transaction.Put(key, DocumentCodec.ToYaml(document));
        return transaction.PathOf(key);
    }

    /// <summary>Settings merged with changes: a null value removes its key (keys matched regardless of case).</summary>
    internal static Dictionary<string, object?> MergeValues(IReadOnlyDictionary<string, object?> values, IReadOnlyDictionary<string, object?>? changes)
    {
        var merged = new Dictionary<string, object?>(values, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in changes ?? new Dictionary<string, object?>())
        {
            if (value is null) merged.Remove(key);
            else merged[key] = value;
        }
        return merged;
    }

    internal static IReadOnlyDictionary<string, string> MergeLabels(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string?>? changes)
    {
        if (changes is null) return labels;
        var merged = labels.ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in changes)
        {
            if (string.IsNullOrEmpty(value)) merged.Remove(key);
            else merged[key] = value;
        }
        return merged;
    }
}
