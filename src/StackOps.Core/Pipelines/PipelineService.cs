using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Registries;
using StackOps.Core.Store;
using StackOps.Core.Validation;

namespace StackOps.Core.Pipelines;

/// <summary>What is current on a stage for a pipeline: the version, its image there, since when.</summary>
public sealed record StageStatus(string Pipeline, string Stage, string Stack, string? Version, string? Image, DateTimeOffset? Since, string? PromotedBy);

/// <summary>Pipelines, their published versions, and the store's lifecycle.</summary>
public sealed class PipelineService
{
    private readonly StackOpsEngine _engine;

    internal PipelineService(StackOpsEngine engine) => _engine = engine;

    // ---- Lifecycle -----------------------------------------------------------------------------

    public Lifecycle Lifecycle() => _engine.View().Lifecycle() ?? throw new StackOpsException("LifecycleMissing", ErrorKind.NotFound,
        "This store has no lifecycle: define its stages (dev, staging, production, ...) with Set-StackLifecycle.", _engine.Location.Root);

    /// <summary>Sets the store's lifecycle from a Lifecycle document; every stage's stack must exist.</summary>
    public Lifecycle SetLifecycle(string yaml, string source)
    {
        var documents = Yaml.DocumentCodec.ReadAll(yaml, source, _engine.Store.Scope);
        return SetLifecycle(documents.Count == 1 && documents[0] is Lifecycle one ? one
            : throw new StackOpsException("UnsupportedDocument", ErrorKind.InvalidData, $"{source}: Set-StackLifecycle takes exactly one Lifecycle document.", source));
    }

    /// <summary>Sets the store's lifecycle from the stages given to a parameter (their keys as a Lifecycle document's); problems name the parameter.</summary>
    public Lifecycle SetLifecycle(string name, IReadOnlyList<IReadOnlyDictionary<string, object?>> stages, string parameter) =>
        SetLifecycle(Yaml.DocumentCodec.ReadLifecycle(name, stages, parameter));

    private Lifecycle SetLifecycle(Lifecycle lifecycle) =>
        _engine.Change((transaction, view) =>
        {
            foreach (var stage in lifecycle.Stages)
                if (view.FindStack(stage.Stack) is null)
                    throw new StackOpsException("StackNotFound", ErrorKind.NotFound, $"Stage '{stage.Name}' names stack '{stage.Stack}', which does not exist. Create it with New-Stack first.", stage.Stack);
            var path = StackOpsEngine.Write(transaction, lifecycle);
            return new Lifecycle(lifecycle.Name, lifecycle.Stages, path);
        });

    public LifecycleStage Stage(Lifecycle lifecycle, string name) =>
        lifecycle.Stages.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new StackOpsException("StageNotFound", ErrorKind.NotFound, $"'{name}' is not a stage of the lifecycle ({lifecycle}). Run Get-StackLifecycle to see the stages.", name);

    // ---- Pipelines -----------------------------------------------------------------------------

    public Listing<Pipeline> List() => _engine.View().Pipelines();

    public Pipeline Get(string name)
    {
        var view = _engine.View();
        return view.Pipeline(name) ?? NameMatching.ExactOrUniquePrefix(view.Pipelines().Items, p => p.Name, name, "Pipeline")
            ?? throw PipelineNotFound(name);
    }

    public Pipeline Create(string name, IReadOnlyList<PipelineRequirement> requirements, string imageRepository,
        IReadOnlyDictionary<string, object?>? runConfiguration = null, string? description = null, IReadOnlyDictionary<string, string?>? labels = null,
        IReadOnlyList<string>? command = null)
    {
        NameRules.Validate("Pipeline", name);
        if (string.IsNullOrWhiteSpace(imageRepository) || imageRepository.Any(char.IsWhiteSpace) || imageRepository.Contains("..") || imageRepository.Contains(':') || imageRepository.Contains('@'))
            throw new StackOpsException("InvalidImageRepository", ErrorKind.InvalidArgument,
                $"'{Fail.Printable(imageRepository)}' is not an image repository name: give a path such as ml/training, without registry, tag or digest.", name);
        var checkedRequirements = Checked(requirements);
        return _engine.Change((transaction, view) =>
        {
            if (view.Pipeline(name) is not null) throw Fail.AlreadyExists("Pipeline", name, "Remove it first, or choose another name.");
            var pipeline = new Pipeline(name, checkedRequirements, imageRepository.Trim('/').ToLowerInvariant(), runConfiguration, description,
                StackOpsEngine.MergeLabels(new Dictionary<string, string>(), labels), _engine.Store.Scope, command: CheckedCommand(command, name));
            return pipeline.With(path: StackOpsEngine.Write(transaction, pipeline));
        });
    }

    /// <summary>
    /// Changes a pipeline: its requirements (replaced when given), its run configuration (merged: a null
    /// value removes a key), description and labels. Its published versions and history stay.
    /// </summary>
    public Pipeline Update(string name, IReadOnlyList<PipelineRequirement>? requirements = null, IReadOnlyDictionary<string, object?>? runConfiguration = null,
        string? description = null, IReadOnlyDictionary<string, string?>? labels = null, IReadOnlyList<string>? command = null) => _engine.Change((transaction, view) =>
    {
        var existing = view.Pipeline(name) ?? throw PipelineNotFound(name);
        var updated = new Pipeline(existing.Name, requirements is null ? existing.Requirements : Checked(requirements), existing.ImageRepository,
            StackOpsEngine.MergeValues(existing.RunConfiguration, runConfiguration), description ?? existing.Description,
            StackOpsEngine.MergeLabels(existing.Labels, labels), existing.Scope, command: command is null ? existing.Command : CheckedCommand(command, name));
        return updated.With(path: StackOpsEngine.Write(transaction, updated));
    });

    private static StackOpsException PipelineNotFound(string name) =>
        new("PipelineNotFound", ErrorKind.NotFound, $"Pipeline '{name}' was not found. Run Get-StackPipeline to list them, or New-StackPipeline to create it.", name);

    /// <summary>A pipeline's command: a program and its arguments, none of them empty (an empty list declares none).</summary>
    private static IReadOnlyList<string> CheckedCommand(IReadOnlyList<string>? command, string pipeline) =>
        command is null || command.Count == 0 ? [] : command.Any(string.IsNullOrWhiteSpace)
            ? throw new StackOpsException("EmptyArgument", ErrorKind.InvalidArgument, $"-Command of pipeline '{pipeline}' has an empty part: give the program and each argument, e.g. -Command python, train.py.", pipeline)
            : command.ToList();

    private static List<PipelineRequirement> Checked(IReadOnlyList<PipelineRequirement> requirements) =>
        requirements.Select(r => new PipelineRequirement(ComponentTypes.Normalize(r.Type), r.Flavors)).ToList();

    /// <summary>Removes a pipeline and its published versions; its promotion history stays.</summary>
    public Pipeline Remove(string name) => _engine.Change((transaction, view) =>
    {
        var pipeline = view.Pipeline(name) ?? throw PipelineNotFound(name);
        var versions = view.Versions(pipeline.Name);
        if (versions.Problems.Count > 0) throw Fail.Unreadable($"remove pipeline '{pipeline.Name}'", versions.Problems);
        foreach (var version in versions.Items) transaction.Delete(StackOpsEngine.KeyOf(version));
        transaction.Delete(StackOpsEngine.KeyOf(pipeline));
        return pipeline;
    });

    /// <summary>A pipeline's versions, newest first, and the ones that could not be read.</summary>
    public Listing<PipelineVersion> Versions(string pipeline)
    {
        var listing = _engine.View().Versions(Get(pipeline).Name);
        return listing with { Items = listing.Items.OrderByDescending(v => v.PublishedAt).ToList() };
    }

    public PipelineVersion Version(string pipeline, string version)
    {
        var name = Get(pipeline).Name;
        return _engine.View().Version(name, version) ?? throw new StackOpsException("VersionNotFound", ErrorKind.NotFound,
            $"Pipeline '{name}' has no version '{version}'. Run Get-StackPipeline {name} -Versions to list them, or Publish-StackPipeline to publish it.", version);
    }

    /// <summary>
    /// Publishes a version on the first stage: the image must be in the first stage's registry (by
    /// digest, or by tag, the version by default); the version and its record as current on that
    /// stage are written together. A published version never changes.
    /// </summary>
    public PipelineVersion Publish(string pipelineName, string version, string? image = null, string? sourceRevision = null, string? sourceRef = null)
    {
        var pipeline = Get(pipelineName);
        NameRules.Validate("PipelineVersion", version);
        foreach (var (parameter, value, what) in new[] { ("-SourceRevision", sourceRevision, "the commit the image was built from (git rev-parse HEAD)"), ("-SourceRef", sourceRef, "the branch or tag it was built from (refs/tags/v1.4.0)") })
            if (value is not null && string.IsNullOrWhiteSpace(value))
                throw new StackOpsException("EmptyArgument", ErrorKind.InvalidArgument, $"{parameter} is empty (a variable that was never set?): give {what}, or leave {parameter} out.", version);
        if (_engine.View().Version(pipeline.Name, version) is not null)
            throw Fail.AlreadyExists("PipelineVersion", version, "Published versions never change: publish a new version.");
        var lifecycle = Lifecycle();
        var first = lifecycle.Stages[0];
        using var registry = Registry(_engine.Stacks.Get(first.Stack), pipeline);
        var reference = image ?? version;
        string digest;
        try { digest = Run(registry.Client.GetManifestAsync(registry.Repository, reference, Cancellation())).Digest; }
        catch (Exception e) when (e is RegistryException or HttpRequestException or OperationCanceledException)
        {
            throw new StackOpsException("ImageNotFound", ErrorKind.NotFound,
                $"The image {registry.Host}/{registry.Repository}{(reference.StartsWith("sha256:") ? "@" : ":")}{reference} could not be read from stage '{first.Name}' (stack '{first.Stack}'): {Reason(e, registry)}. Push it there first, or give -Image with its digest.", version);
        }
        var now = _engine.Clock.GetUtcNow();
        var who = _engine.Who;
        var published = new PipelineVersion(pipeline.Name, version, digest, sourceRevision, sourceRef, who, now, first.Name);
        var record = new PromotionRecord(PromotionRecord.NewId(now, pipeline.Name, version, first.Name), pipeline.Name, version, null, first.Name,
            PromotionState.Succeeded, who, now, steps: [new PromotionStep("publish", StepOutcome.Passed, $"published {registry.Reference(digest)}", now)],
            completedAt: now, imageDigest: digest, image: registry.Reference(digest));
        var ledger = _engine.Promotions.Ledger;
        var path = _engine.Change((transaction, view) =>
        {
            if (view.Version(pipeline.Name, version) is not null) throw Fail.AlreadyExists("PipelineVersion", version, "Published versions never change.");
            // The store's ledger records the publication in the same commit; another ledger right after.
            if (ledger is StoreLedger) StackOpsEngine.Write(transaction, record);
            return StackOpsEngine.Write(transaction, published);
        });
        if (ledger is not StoreLedger) ledger.Save(record);
        _engine.Messages.Verbose($"Published {pipeline.Name} {version} ({registry.Reference(digest)}) on stage '{first.Name}'.");
        return published.With(path: path);
    }

    /// <summary>What is current where: per pipeline (all, or one) and stage (all, or one).</summary>
    public IReadOnlyList<StageStatus> Status(string? pipeline = null, string? stage = null)
    {
        var lifecycle = Lifecycle();
        var stages = stage is null ? lifecycle.Stages : [Stage(lifecycle, stage)];
        var pipelines = pipeline is null ? List().Items : [Get(pipeline)];
        var records = _engine.Promotions.AllRecords("tell which version is current");
        return pipelines.SelectMany(p => stages.Select(s =>
        {
            var current = PromotionService.Current(records, p.Name, s.Name);
            return new StageStatus(p.Name, s.Name, s.Stack, current?.Version, current?.Image, current?.CompletedAt, current?.RequestedBy);
        })).ToList();
    }

    // ---- Registries ----------------------------------------------------------------------------

    /// <summary>A stack's container registry for a pipeline: host, repository and a client with the linked connector's credentials.</summary>
    internal StackRegistry Registry(Stack stack, Pipeline pipeline)
    {
        var name = stack[ComponentTypes.ContainerRegistry] ?? throw new StackOpsException("RequiredComponentMissing", ErrorKind.InvalidOperation,
            $"Stack '{stack.Name}' has no container registry, so it cannot hold the pipeline's image. Give it one with Set-Stack {stack.Name} -ContainerRegistry <name>.", stack);
        var (host, prefix, client) = _engine.Behaviour.Registry(_engine.Components.Get(ComponentTypes.ContainerRegistry, name), _engine.Connectors.Timeout * 20);
        return new StackRegistry(stack.Name, name, host, prefix.Length == 0 ? pipeline.ImageRepository : $"{prefix}/{pipeline.ImageRepository}", client);
    }

    internal static string Reason(Exception e, StackRegistry registry) => e switch
    {
        RegistryException registryError => registryError.Message,
        OperationCanceledException => $"{registry.Host} did not answer in time",
        HttpRequestException { InnerException: { } inner } => $"cannot reach {registry.Host}: {inner.Message}",
        _ => e.Message,
    };

    private CancellationToken Cancellation() => new CancellationTokenSource(_engine.Connectors.Timeout * 4).Token;

    private static T Run<T>(Task<T> task) => task.GetAwaiter().GetResult();
}

/// <summary>One stack's registry as a pipeline uses it.</summary>
internal sealed class StackRegistry(string stack, string component, string host, string repository, RegistryClient client) : IDisposable
{
    public string Stack { get; } = stack;
    public string Component { get; } = component;
    public string Host { get; } = host;
    public string Repository { get; } = repository;
    public RegistryClient Client { get; } = client;

    public string Reference(string digest) => $"{Host}/{Repository}@{digest}";

    public void Dispose() => Client.Dispose();
}
