using System.Collections;
using System.Management.Automation;
using StackOps.Core.Pipelines;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Creates a pipeline: the component types (and flavors) it needs, the image repository it uses, its run configuration.</summary>
[Cmdlet(VerbsCommon.New, "StackPipeline", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Pipeline))]
public sealed class NewStackPipelineCommand : PipelineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    /// <summary>The image repository under a stack registry's uri, e.g. ml/training.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string ImageRepository { get; set; } = "";

    /// <summary>Component types the pipeline needs, each with the flavors it accepts ($null or @() for any): @{ orchestrator = 'kubernetes', 'kubeflow'; container_registry = $null }.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public IDictionary? Require { get; set; }

    /// <summary>Settings the run step gets as STACKOPS_RUN_KEY (values may be secret references).</summary>
    [Parameter] public IDictionary? RunConfiguration { get; set; }

    /// <summary>How the pipeline runs: the program and its arguments in its image, run on the target stack's orchestrator by a promotion's run step and by Invoke-StackPipeline.</summary>
    [Parameter] public string[]? Command { get; set; }

    [Parameter] public string? Description { get; set; }

    [Parameter] public IDictionary? Label { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, "Create pipeline")) return;
        Try(Name, () =>
        {
            WriteObject(Engine.Pipelines.Create(Name, Requirements(Require ?? new Hashtable()), ImageRepository, ToConfiguration(RunConfiguration), Description, ToLabels(Label), Command));
        });
    }
}

/// <summary>New-StackPipeline and Set-StackPipeline: what a pipeline needs of a stack.</summary>
public abstract class PipelineCmdlet : StoreCmdlet
{
    /// <summary>@{ orchestrator = 'kubernetes', 'kubeflow'; container_registry = $null }: each type with the flavors it accepts (one, several, or $null for any).</summary>
    protected static IReadOnlyList<PipelineRequirement> Requirements(IDictionary require) =>
        require.Cast<DictionaryEntry>().Select(e => new PipelineRequirement(e.Key.ToString()!,
            ToPlainValue(e.Value) switch { null => [], string one => [one], IEnumerable many => many.Cast<object?>().Select(f => f?.ToString() ?? "").ToList(), var other => [other.ToString()!] })).ToList();
}

/// <summary>
/// Changes pipelines: the component types (and flavors) they need, replaced as a whole; their run
/// configuration, merged (a $null value removes a key); description and labels. Versions and history stay.
/// </summary>
[Cmdlet(VerbsCommon.Set, "StackPipeline", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Pipeline))]
public sealed class SetStackPipelineCommand : PipelineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The component types the pipelines need from now on, each with the flavors it accepts ($null or @() for any); replaces the current ones.</summary>
    [Parameter] public IDictionary? Require { get; set; }

    /// <summary>Settings of the run step to add or change; a $null value removes a key.</summary>
    [Parameter] public IDictionary? RunConfiguration { get; set; }

    /// <summary>How the pipeline runs: the program and its arguments in its image, run on the target stack's orchestrator by a promotion's run step and by Invoke-StackPipeline.</summary>
    [Parameter] public string[]? Command { get; set; }

    [Parameter] public string? Description { get; set; }

    [Parameter] public IDictionary? Label { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var name in Name)
        {
            if (!ShouldProcess(name, "Update pipeline")) continue;
            Try(name, () =>
            {
                var pipeline = Engine.Pipelines.Update(name, Require is null ? null : Requirements(Require),
                    RunConfiguration is null ? null : ToConfiguration(RunConfiguration), Description, ToLabels(Label), Command);
                WriteVerbose($"Updated pipeline '{pipeline.Name}' in {pipeline.Path}.");
                if (PassThru) WriteObject(pipeline);
            });
        }
    }
}

/// <summary>Gets pipelines, their published versions (-Versions), or what is current on each stage (-Stage).</summary>
[Cmdlet(VerbsCommon.Get, "StackPipeline", DefaultParameterSetName = Pipelines)]
[OutputType(typeof(Pipeline), ParameterSetName = [Pipelines])]
[OutputType(typeof(PipelineVersion), ParameterSetName = [VersionSet])]
[OutputType(typeof(StageStatus), ParameterSetName = [StageSet])]
public sealed class GetStackPipelineCommand : StoreCmdlet
{
    private const string Pipelines = "Pipelines", VersionSet = "Versions", StageSet = "Stage";

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The published versions of the pipelines, newest first.</summary>
    [Parameter(ParameterSetName = VersionSet, Mandatory = true)]
    public SwitchParameter Versions { get; set; }

    /// <summary>What is current on these stages ('*' for every stage).</summary>
    [Parameter(ParameterSetName = StageSet, Mandatory = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(StageNameCompleter))]
    public string[] Stage { get; set; } = [];

    protected override void Process()
    {
        foreach (var pipeline in Select(Name, ListAll, p => p.Name, Engine.Pipelines.Get))
            Try(pipeline, () =>
            {
                if (ParameterSetName == VersionSet) WriteObject(Reported(Engine.Pipelines.Versions(pipeline.Name)), enumerateCollection: true);
                else if (ParameterSetName == StageSet)
                {
                    var patterns = Stage.Select(Pattern).OfType<WildcardPattern>().ToList();
                    WriteObject(Engine.Pipelines.Status(pipeline.Name).Where(s => patterns.Any(p => p.IsMatch(s.Stage))), enumerateCollection: true);
                }
                else WriteObject(pipeline);
            });
    }

    private IReadOnlyList<Pipeline> ListAll() => Reported(Engine.Pipelines.List());
}

/// <summary>Removes pipelines and their published versions; the promotion history stays.</summary>
[Cmdlet(VerbsCommon.Remove, "StackPipeline", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(Pipeline))]
public sealed class RemoveStackPipelineCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var name in Name)
        {
            if (!ShouldProcess(name, "Remove pipeline and its published versions")) continue;
            Try(name, () =>
            {
                var removed = Engine.Pipelines.Remove(name);
                if (PassThru) WriteObject(removed);
            });
        }
    }
}

/// <summary>Publishes a pipeline version on the first stage: its image (in the first stage's registry), source revision and ref.</summary>
[Cmdlet(VerbsData.Publish, "StackPipeline", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PipelineVersion))]
public sealed class PublishStackPipelineCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Version { get; set; } = "";

    /// <summary>The image in the first stage's registry: a digest (sha256:…) or a tag; the version as a tag by default.</summary>
    [Parameter] public string? Image { get; set; }

    /// <summary>The commit the version was built from.</summary>
    [Parameter] public string? SourceRevision { get; set; }

    /// <summary>The branch or tag it was built from (refs/heads/main, refs/tags/v1.4.0), for the allowedRefs gate.</summary>
    [Parameter] public string? SourceRef { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess($"{Name} {Version}", "Publish pipeline version on the first stage")) return;
        Try(Name, () =>
        {
            // A parameter given as $null (a variable never set) is given empty: the engine refuses it rather than record nothing.
            var published = Engine.Pipelines.Publish(Name, Version, Image, Given(nameof(SourceRevision), SourceRevision), Given(nameof(SourceRef), SourceRef));
            if (PassThru) WriteObject(published);
        });
    }

    private string? Given(string parameter, string? value) => value ?? (MyInvocation.BoundParameters.ContainsKey(parameter) ? "" : null);
}
