using System.Reflection;
using Newtonsoft.Json;
using StackOps.Abstractions;

namespace StackOps.Tests.Integrations;

/// <summary>
/// Alpha and Beta: the same integration built twice against two versions of Newtonsoft.Json, named
/// after their assembly; its orchestrator logs which Newtonsoft.Json it runs with, and its secret
/// backend type (NAME-folder) keeps secrets as JSON files in the folder -Vault names.
/// </summary>
public sealed class JsonIntegration : StackIntegration
{
    private static readonly string Assembly = typeof(JsonIntegration).Assembly.GetName().Name!.ToLowerInvariant();

    public override string Name => Assembly;
    public override string Version => typeof(JsonConvert).Assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()!.Version;

    public override IReadOnlyList<FlavorDefinition> Flavors =>
    [
        new("orchestrator", Assembly, "Logs the Newtonsoft.Json it was given, then a greeting, as JSON.",
            """
            greeting:
              type: string
              required: true
              description: What the run says.
            """,
            () => new JsonOrchestrator()),
    ];

    public override IReadOnlyList<IStackValidator> Validators => [new TrackerRequired()];

    public override IReadOnlyList<SecretBackendTypeDefinition> SecretBackends =>
    [
        new($"{Assembly}-folder", "Secrets as JSON files in a folder; -Vault is the folder.", FolderSecretBackend.All, context => new FolderSecretBackend(context))
        {
            Vault = SecretVaultSetting.Required,
        },
    ];

    /// <summary>A stack that runs on this integration's orchestrator needs an experiment tracker.</summary>
    private sealed class TrackerRequired : IStackValidator
    {
        public IEnumerable<StackProblem> Validate(StackDescription stack)
        {
            var orchestrator = stack.Components.FirstOrDefault(c => c.Type == "orchestrator" && c.Flavor == Assembly);
            if (orchestrator is not null && stack.Components.All(c => c.Type != "experiment_tracker"))
                yield return new StackProblem("ExperimentTrackerRequired", $"Stack '{stack.Name}' runs on the {Assembly} orchestrator, which records to an experiment tracker: give it one with Set-Stack {stack.Name} -ExperimentTracker <name>.", "orchestrator", orchestrator.Name);
        }
    }
}

/// <summary>Logs which Newtonsoft.Json it runs with and the greeting serialized by it.</summary>
public sealed class JsonOrchestrator : IOrchestrator
{
    public Task<PipelineRunResult> RunAsync(PipelineRunRequest request, CancellationToken cancellation)
    {
        request.Log("newtonsoft " + typeof(JsonConvert).Assembly.GetName().Version);
        request.Log(JsonConvert.SerializeObject(new { greeting = request.Settings["greeting"], command = request.Command }));
        return Task.FromResult(new PipelineRunResult(true, $"{request.Stack} ran " + string.Join(" ", request.Command)));
    }
}

/// <summary>
/// One JSON file per secret in the folder the backend's vault setting names. It refuses values that
/// start with "refuse" with an exception that quotes the value, as a careless backend would.
/// </summary>
public sealed class FolderSecretBackend(SecretBackendContext context) : ISecretBackend
{
    public const SecretBackendCapabilities All = SecretBackendCapabilities.Read | SecretBackendCapabilities.Write | SecretBackendCapabilities.List;

    public string Name => context.Name;
    public SecretBackendCapabilities Capabilities => All;

    public Secret? Read(string name) =>
        Exists(name) ? new Secret(name, JsonConvert.DeserializeObject<Dictionary<string, string>>(File.ReadAllText(PathOf(name)))!) : null;

    public bool Exists(string name) => File.Exists(PathOf(name));

    public IReadOnlyList<string> List() =>
        Directory.Exists(Folder) ? Directory.EnumerateFiles(Folder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToList() : [];

    public ISecretTransaction Begin() => new Transaction(this);

    private string Folder => context.Vault!;

    private string PathOf(string name) => Path.Combine(Folder, name.ToLowerInvariant() + ".json");

    private sealed class Transaction(FolderSecretBackend backend) : ISecretTransaction
    {
        private readonly Dictionary<string, Secret?> _changes = new(StringComparer.OrdinalIgnoreCase);

        public Secret? Read(string name) => _changes.TryGetValue(name, out var changed) ? changed : backend.Read(name);

        public void Put(Secret secret)
        {
            if (secret.Values.Values.FirstOrDefault(v => v.StartsWith("refuse", StringComparison.Ordinal)) is { } refused)
                throw new InvalidOperationException($"the folder backend does not store '{refused}'");
            _changes[secret.Name] = secret;
        }

        public void Delete(string name) => _changes[name] = null;

        public void Commit()
        {
            Directory.CreateDirectory(backend.Folder);
            foreach (var (name, secret) in _changes)
            {
                if (secret is null) File.Delete(backend.PathOf(name));
                else File.WriteAllText(backend.PathOf(name), JsonConvert.SerializeObject(secret.Values));
            }
        }

        public void Dispose() { }
    }
}
