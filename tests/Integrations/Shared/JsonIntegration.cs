using System.Reflection;
using Newtonsoft.Json;
using StackOps.Abstractions;

namespace StackOps.Tests.Integrations;

/// <summary>
/// Alpha and Beta: the same integration built twice against two versions of Newtonsoft.Json, named
/// after their assembly; its orchestrator logs which Newtonsoft.Json it runs with.
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
