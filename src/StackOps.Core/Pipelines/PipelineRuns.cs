using System.Diagnostics;
using System.Text.RegularExpressions;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;

namespace StackOps.Core.Pipelines;

/// <summary>
/// Runs pipeline versions on a stack's orchestrator: the built-in ones StackOps can run itself
/// (<see cref="BuiltIn"/>) or an integration's, each behind the same IOrchestrator contract.
/// </summary>
public sealed class PipelineRuns
{
    /// <summary>The built-in orchestrator flavors that run pipelines, by name: one entry per implementation, given the orchestrator component.</summary>
    private static readonly IReadOnlyDictionary<string, Func<PipelineRuns, StackComponent, IOrchestrator>> BuiltIn =
        new Dictionary<string, Func<PipelineRuns, StackComponent, IOrchestrator>>(StringComparer.OrdinalIgnoreCase)
        {
            ["local"] = (_, _) => new LocalOrchestrator(),
            ["kubernetes"] = (runs, component) => new KubernetesOrchestrator(runs.Cluster(component), TimeSpan.FromSeconds(2)),
            ["github"] = (runs, component) => runs.GitHubWorkflow(component),
        };


    private readonly StackOpsEngine _engine;

    internal PipelineRuns(StackOpsEngine engine) => _engine = engine;

    /// <summary>Runs a published version on a stack's orchestrator with a command (the pipeline's when empty), streaming its log; the orchestrator's result.</summary>
    public PipelineRunResult Run(string pipelineName, string versionName, string stackName, IReadOnlyList<string> command, Action<string> log, CancellationToken cancellation) =>
        Start(pipelineName, versionName, stackName, command, log, cancellation).GetAwaiter().GetResult();

    /// <summary>
    /// Prepares the run on the calling thread (everything that reads the store, resolves secrets or
    /// logs through the engine), then starts it; the task is the orchestrator's run, whose log
    /// lines may come from any thread.
    /// </summary>
    public Task<PipelineRunResult> Start(string pipelineName, string versionName, string stackName, IReadOnlyList<string> command, Action<string> log, CancellationToken cancellation,
        string? stage = null)
    {
        var pipeline = _engine.Pipelines.Get(pipelineName);
        if (command.Count == 0) command = pipeline.Command;
        if (command.Count == 0)
            throw new StackOpsException("PipelineCommandMissing", ErrorKind.InvalidArgument,
                $"Pipeline '{pipeline.Name}' declares no command to run: give -Command (the program and its arguments), or declare it with Set-StackPipeline {pipeline.Name} -Command <program>, <argument>...", pipelineName);
        if (command.Any(string.IsNullOrEmpty))
            throw new StackOpsException("EmptyArgument", ErrorKind.InvalidArgument, "-Command has an empty part: give the program and each argument, e.g. -Command python, train.py.", pipelineName);
        var version = _engine.Pipelines.Version(pipelineName, versionName);
        var stack = _engine.Stacks.Get(stackName);
        var component = _engine.Components.Get(ComponentTypes.Orchestrator, stack[ComponentTypes.Orchestrator]!);
        var flavor = _engine.Flavors.Get(ComponentTypes.Orchestrator, component.Flavor);
        var orchestrator = BuiltIn.TryGetValue(flavor.Name, out var builtIn) && flavor.IsBuiltIn ? builtIn(this, component)
            : flavor.Integration is not null ? _engine.Integrations.Orchestrator(flavor)
            : throw new StackOpsException("OrchestratorNotRunnable", ErrorKind.InvalidOperation,
                $"StackOps cannot run pipelines on the orchestrator flavor '{flavor.Name}' of stack '{stack.Name}': it runs {string.Join(", ", BuiltIn.Keys)} and the orchestrators of registered integrations. Run it with -Run in a promotion, or register an integration whose flavor runs it.", stack);
        var image = stack[ComponentTypes.ContainerRegistry] is null ? "" : Image(stack, pipeline, version);
        var settings = _engine.Secrets.Resolve(stack.Name).Single(c => c.Type == ComponentTypes.Orchestrator).Configuration
            .Where(p => p.Value is not null).ToDictionary(p => p.Key, p => SettingText.Of(p.Value!));
        var request = new PipelineRunRequest(pipeline.Name, version.Version, stack.Name, image, command, settings,
            Environment(pipeline, version, stack.Name, stage, image), line => log(SecretMasker.Shared.Apply(line)));
        return RunAsync(orchestrator, request, flavor.Name, cancellation);
    }

    private static async Task<PipelineRunResult> RunAsync(IOrchestrator orchestrator, PipelineRunRequest request, string flavor, CancellationToken cancellation)
    {
        try
        {
            var result = await orchestrator.RunAsync(request, cancellation);
            return result with { Message = SecretMasker.Shared.Apply(result.Message) };
        }
        catch (OperationCanceledException)
        {
            return new PipelineRunResult(false, $"The run of {request.Pipeline} {request.Version} on '{request.Stack}' was cancelled.");
        }
        catch (Exception e) when (e is not StackOpsException)
        {
            throw new StackOpsException("RunFailed", ErrorKind.InvalidOperation,
                SecretMasker.Shared.Apply($"The {flavor} orchestrator of stack '{request.Stack}' failed: {e.GetType().Name}: {e.Message}"), request.Stack);
        }
    }

    /// <summary>
    /// The cluster a kubernetes orchestrator runs on: its connector's (the credentials it issues for
    /// the cluster), else its kubernetes_context of the local kubeconfig.
    /// </summary>
    private k8s.KubernetesClientConfiguration Cluster(StackComponent component)
    {
        if (component.Connector is { } link)
        {
            var credential = _engine.Connectors.Credential(link.Name, Connectors.ConnectorCatalog.KubernetesCluster, link.ResourceId);
            var values = credential.Settings.Concat(credential.Secrets).ToDictionary(p => p.Key, p => p.Value);
            return Connectors.Providers.KubernetesProvider.Cluster(credential.AuthMethod, values["server"], values.GetValueOrDefault("certificate_authority"),
                _engine.Connectors.Timeout, key => values.GetValueOrDefault(key));
        }
        var context = component.EffectiveConfiguration.GetValueOrDefault("kubernetes_context") as string;
        try
        {
            return k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: context);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or FileNotFoundException)
        {
            throw new StackOpsException("OrchestratorNotRunnable", ErrorKind.InvalidOperation,
                $"The kubernetes orchestrator '{component.Name}' names no cluster StackOps can reach: link it to a service connector (Connect-StackComponent orchestrator {component.Name} -Connector <kubernetes connector>), or give kubernetes_context of your kubeconfig ({e.Message}).", component);
        }
    }

    /// <summary>The github orchestrator of a component: its connector's token for the repository, the workflow and ref it names.</summary>
    private GitHubOrchestrator GitHubWorkflow(StackComponent component)
    {
        var link = component.Connector ?? throw new StackOpsException("OrchestratorNotRunnable", ErrorKind.InvalidOperation,
            $"The github orchestrator '{component.Name}' needs a github service connector for its repository: Connect-StackComponent orchestrator {component.Name} -Connector <github connector> -ResourceId OWNER/NAME.", component);
        var settings = component.EffectiveConfiguration;
        var repository = settings.GetValueOrDefault("repository") as string ?? link.ResourceId ?? throw new StackOpsException("OrchestratorNotRunnable", ErrorKind.InvalidOperation,
            $"The github orchestrator '{component.Name}' names no repository: give it repository = 'OWNER/NAME'.", component);
        var credential = _engine.Connectors.Credential(link.Name, "github-repository", repository);
        return new GitHubOrchestrator(new GitHub.GitHubApi(credential.Secrets["token"], credential.Settings.GetValueOrDefault("api_url")), GitHub.GitHubRepository.Parse(repository),
            (string)settings["workflow"]!, (string)settings["ref"]!, TimeSpan.FromSeconds(3));
    }

    private string Image(Model.Stack stack, Pipeline pipeline, PipelineVersion version)
    {
        using var registry = _engine.Pipelines.Registry(stack, pipeline);
        return registry.Reference(version.ImageDigest);
    }

    /// <summary>
    /// STACKOPS_STACK, STACKOPS_IMAGE (registry/repository@sha256:…), STACKOPS_PIPELINE, STACKOPS_VERSION, STACKOPS_STAGE (in a
    /// promotion), one STACKOPS_TYPE_KEY per component setting and STACKOPS_RUN_KEY per run setting, secrets resolved (and masked).
    /// </summary>
    internal IReadOnlyDictionary<string, string> Environment(Pipeline pipeline, PipelineVersion version, string stack, string? stage, string image)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["STACKOPS_STACK"] = stack, ["STACKOPS_IMAGE"] = image, ["STACKOPS_PIPELINE"] = pipeline.Name, ["STACKOPS_VERSION"] = version.Version,
        };
        if (stage is not null) environment["STACKOPS_STAGE"] = stage;
        foreach (var component in _engine.Secrets.Resolve(stack))
            foreach (var (key, value) in component.Configuration)
                if (value is not null) environment[Variable(component.Type, key)] = SettingText.Of(value);
        foreach (var (key, value) in _engine.Secrets.ResolveValues(pipeline.RunConfiguration, pipeline.Name, "pipeline", pipeline,
                     $"Create the missing secrets, or change the run configuration of pipeline '{pipeline.Name}'."))
            if (value is not null) environment[Variable("run", key)] = SettingText.Of(value);
        return environment;
    }

    private static string Variable(string prefix, string key) =>
        "STACKOPS_" + Regex.Replace($"{prefix}_{key}".ToUpperInvariant(), "[^A-Z0-9_]", "_");
}

/// <summary>
/// The local orchestrator: runs the command as a process on this machine (the image is not pulled),
/// with the stack's configuration in its environment, its output lines as the log; cancelling kills
/// the process and its children.
/// </summary>
internal sealed class LocalOrchestrator : IOrchestrator
{
    public async Task<PipelineRunResult> RunAsync(PipelineRunRequest request, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(request.Command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in request.Command.Skip(1)) start.ArgumentList.Add(argument);
        foreach (var (name, value) in request.Environment) start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new PipelineRunResult(false, $"'{request.Command[0]}' could not be started: {e.Message}.");
        }
        using (process)
        {
            process.OutputDataReceived += (_, line) => { if (line.Data is not null) request.Log(line.Data); };
            process.ErrorDataReceived += (_, line) => { if (line.Data is not null) request.Log(line.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            process.WaitForExit();
            return process.ExitCode == 0
                ? new PipelineRunResult(true, $"{request.Pipeline} {request.Version} ran on '{request.Stack}' (local process, exit code 0).")
                : new PipelineRunResult(false, $"{request.Pipeline} {request.Version} failed on '{request.Stack}': '{request.Command[0]}' exited with code {process.ExitCode}.");
        }
    }
}
