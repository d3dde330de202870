using StackOps.Core.Errors;
using StackOps.Core.IO;
using StackOps.Core.Model;
using StackOps.Core.Pipelines;
using StackOps.Core.Secrets;
using StackOps.Core.Store;
using StackOps.Core.Validation;

namespace StackOps.Core.GitHub;

/// <summary>
/// The action's inputs, from INPUT_* variables (the runner does not enforce `required`, so this does):
/// pipeline, version, to (required); from, store (.stackops), run, github-token, record-deployment
/// (true), require-protected-environment (true for the last stage), dry-run (false).
/// </summary>
public sealed record ActionInputs(string Pipeline, string Version, string To, string? From, string Store, string? Run, string? GitHubToken,
    bool RecordDeployment, bool? RequireProtectedEnvironment, bool DryRun)
{
    public static ActionInputs Read(Func<string, string?> variable)
    {
        string? Input(string name) => variable("INPUT_" + name.Replace('-', '_').ToUpperInvariant()) is { } value && value.Trim().Length > 0 ? value.Trim() : null;
        string Required(string name) => Input(name) ?? throw new StackOpsException("ActionInputMissing", ErrorKind.InvalidArgument,
            $"The input '{name}' is required: give it in the step's with: block (pipeline, version and to are required).", name);
        bool? Flag(string name) => Input(name) switch
        {
            null => null,
            var text when bool.TryParse(text, out var flag) => flag,
            var text => throw new StackOpsException("ActionInputInvalid", ErrorKind.InvalidArgument, $"The input '{name}' is '{Fail.Printable(text)}': give true or false.", name),
        };
        return new ActionInputs(Required("pipeline"), Required("version"), Required("to"), Input("from"), Input("store") ?? StoreLocator.RepositoryFolder,
            Input("run"), Input("github-token"), Flag("record-deployment") ?? true, Flag("require-protected-environment"), Flag("dry-run") ?? false);
    }

    /// <summary>
    /// The store's folder: the store input under the workspace. One outside it, as written (absolute, '..') or
    /// once the links along it are followed, is refused: the store says which credentials are read and where
    /// images go, so it must be the one the repository holds and reviews.
    /// </summary>
    public string StoreRoot(string workspace)
    {
        var root = Path.GetFullPath(Path.Combine(workspace, Store));
        var (realRoot, realWorkspace) = (SafeFiles.RealPath(root), SafeFiles.RealPath(Path.GetFullPath(workspace)));
        if (realRoot is null || realWorkspace is null || !SafeFiles.IsInside(realRoot, realWorkspace))
            throw new StackOpsException("ActionInputInvalid", ErrorKind.InvalidArgument,
                $"The input 'store' ({Fail.Printable(Store)}) is outside the workspace {workspace}{(realRoot is null ? " (its links loop)" : realRoot != root ? $" (it leads to {realRoot})" : "")}: give the store's path inside the repository, such as .stackops.", "store");
        return root;
    }
}

/// <summary>What the action reports: its outputs, and whether the job step fails.</summary>
public sealed record ActionResult(bool Promoted, string Reason, string? Version, string? Image, string? TargetStack, string? Environment, long? DeploymentId, bool Failed)
{
    public IEnumerable<(string, string)> Outputs() =>
    [
        ("promoted", Promoted ? "true" : "false"), ("reason", Reason), ("version", Version ?? ""), ("image", Image ?? ""),
        ("target-stack", TargetStack ?? ""), ("environment", Environment ?? ""), ("deployment-id", DeploymentId?.ToString() ?? ""),
    ];
}

/// <summary>
/// The GitHub Action's promotion, on top of the engine: it masks every secret value before anything
/// else is printed, checks the target environment's protection, reports the target stack's
/// findings as annotations, promotes with GitHub deployments as the ledger, prints a group per
/// step, and writes the outputs and the step summary. Its log is an <see cref="ActionLog"/>.
/// </summary>
public sealed class PromotionAction(Action<string> print, Func<string, string?> variable)
{
    private readonly ActionLog _log = new(print);

    /// <summary>Prints text that may hold anything (a run step's output, a stored value): masked, and never read as a workflow command.</summary>
    public void Print(string text) => _log.Text(text);

    /// <summary>Prints one of the action's own workflow commands, masked.</summary>
    public void Print(WorkflowCommand command) => _log.Command(command);

    /// <summary>
    /// Runs the promotion the INPUT_* variables ask for, on the store under $GITHUB_WORKSPACE (else
    /// <paramref name="currentDirectory"/>), and writes the outputs to $GITHUB_OUTPUT.
    /// <paramref name="attach"/> connects the engine to its host; <paramref name="runStep"/> makes the run input a run step.
    /// </summary>
    public ActionResult Run(string currentDirectory, Action<StackOpsEngine> attach, Func<string, Func<RunContext, RunResult>> runStep)
    {
        var result = Promote(currentDirectory, attach, runStep);
        if (variable("GITHUB_OUTPUT") is { Length: > 0 } outputs) WorkflowCommands.WriteOutputs(outputs, result.Outputs());
        return result;
    }

    private ActionResult Promote(string currentDirectory, Action<StackOpsEngine> attach, Func<string, Func<RunContext, RunResult>> runStep)
    {
        SecretMasker.Shared.Registered += _log.Announce;
        try
        {
            SecretService.AdmitEnvironment();
            ActionInputs inputs;
            try { inputs = ActionInputs.Read(variable); }
            catch (StackOpsException e) { return Failed(e.Message, "invalid-input"); }
            var engine = Open(inputs, currentDirectory);
            attach(engine);
            engine.Log = new JobLog(this);
            return Promote(inputs, engine, inputs.Run is null ? null : runStep(inputs.Run));
        }
        catch (StackOpsException e) { return Failed(e.Message, e.Kind is ErrorKind.InvalidArgument or ErrorKind.NotFound ? "invalid-input" : "error"); }
        finally
        {
            SecretMasker.Shared.Registered -= _log.Announce;
            _log.Close();
        }
    }

    /// <summary>
    /// The team server's store when $env:STACKOPS_SERVER names one (signed in with $env:STACKOPS_API_KEY or the
    /// job's OIDC token), else the store input under the workspace; secrets from the job's environment (the env
    /// backend) unless STACKOPS_SECRET_BACKEND says otherwise.
    /// </summary>
    private StackOpsEngine Open(ActionInputs inputs, string currentDirectory)
    {
        var root = inputs.StoreRoot(variable("GITHUB_WORKSPACE") is { Length: > 0 } workspace ? workspace : currentDirectory);
        var engine = variable(Access.ServerConnection.ServerVariable) is { Length: > 0 }
            ? StackOpsEngine.Open(StoreScope.Server, currentDirectory)
            : new StackOpsEngine(new StoreLocation(StoreScope.Repository, root, Path.GetDirectoryName(root), StoreLocator.UserHome()));
        engine.Secrets.PreferredBackend = variable(SecretService.BackendVariable) is { Length: > 0 } chosen ? chosen : SecretBackendTypes.Environment;
        return engine;
    }

    private ActionResult Failed(string message, string reason)
    {
        Print(WorkflowCommands.Error(message, title: "StackOps"));
        return new ActionResult(false, reason, null, null, null, null, null, Failed: true);
    }

    private ActionResult Promote(ActionInputs inputs, StackOpsEngine engine, Func<RunContext, RunResult>? runStep)
    {
        var lifecycle = engine.Pipelines.Lifecycle();
        var target = engine.Pipelines.Stage(lifecycle, inputs.To);
        GitHubApi? api = null;
        GitHubLedger? ledger = null;
        var repository = variable("GITHUB_REPOSITORY") is { Length: > 0 } named ? GitHubRepository.Parse(named) : null;
        var requireProtection = inputs.RequireProtectedEnvironment ?? lifecycle.IndexOf(target.Name) == lifecycle.Stages.Count - 1;
        if ((inputs.RecordDeployment || requireProtection) && target.Environment is not null)
        {
            var token = inputs.GitHubToken ?? GitHubApi.TokenFromEnvironment() ?? throw new StackOpsException("GitHubTokenMissing", ErrorKind.InvalidArgument,
                "No GitHub token: give github-token (the job's token, ${{ github.token }}, is the default).");
            if (repository is null) throw new StackOpsException("GitHubRepositoryMissing", ErrorKind.InvalidArgument, "GITHUB_REPOSITORY is not set: run the action in a GitHub Actions job.");
            api = new GitHubApi(token);
        }

        if (requireProtection && target.Environment is { } environment)
        {
            var protection = GitHubApi.Wait(api!.ProtectionAsync(repository!, environment), $"reading the protection rules of the environment '{environment}'");
            var problem = protection is null ? $"the environment '{environment}' does not exist in {repository}"
                : !protection.RequiresReviewers ? $"the environment '{environment}' has no required reviewers"
                : !protection.PreventSelfReview ? $"the environment '{environment}' lets whoever starts a run approve it (prevent self-review is off)"
                : null;
            if (problem is not null)
                return Failed($"Refusing to promote into '{target.Name}': {problem}. Protect it in Settings → Environments (required reviewers, prevent self-review), or set require-protected-environment: false.", "environment-not-protected");
        }
        if (inputs.RecordDeployment && api is not null)
            engine.Promotions.Ledger = ledger = new GitHubLedger(api, repository!, lifecycle, engine.Promotions.Ledger, WorkflowRun.From(variable),
                mirror: engine.Location.Scope == StoreScope.Server);

        Annotate(engine, target);
        IReadOnlyList<PromotionStep> steps;
        PromotionOutcome? outcome = null;
        if (inputs.DryRun) steps = engine.Promotions.Plan(inputs.Pipeline, inputs.Version, target.Name, inputs.From);
        else
        {
            outcome = engine.Promotions.Invoke(inputs.Pipeline, inputs.Version, target.Name, inputs.From, inputs.Run is null ? null : runStep,
                variable("GITHUB_RUN_ID") is { } run ? $"GitHub Actions run {run}" : null);
            steps = outcome.Record.Steps;
        }
        var index = 0;
        foreach (var step in steps)
        {
            Print(WorkflowCommands.Group($"{++index}. {step.Name}: {step.Outcome.ToString().ToLowerInvariant()}"));
            Print(step.Message);
            Print(WorkflowCommands.EndGroup);
        }

        var record = outcome?.Record ?? new PromotionRecord("plan", inputs.Pipeline, inputs.Version, inputs.From, target.Name, PromotionState.Pending, "plan", DateTimeOffset.UtcNow, steps: steps);
        var failed = outcome is { Promoted: false } && outcome.Reason != "already-current";
        if (failed) Print(WorkflowCommands.Error($"The promotion of {inputs.Pipeline} {inputs.Version} to '{target.Name}' failed at the {record.FailedStep!.Name} step: {record.FailedStep.Message}", title: "StackOps promotion failed"));
        if (outcome?.Reason == "already-current") Print($"{inputs.Pipeline} {inputs.Version} is already current on '{target.Name}': nothing to do.");
        if (variable("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
            WorkflowCommands.AppendSummary(summary, SecretMasker.Shared.Apply(WorkflowCommands.Summary(record, target.Environment, Components(engine, lifecycle, record, target), inputs.DryRun)));
        return new ActionResult(outcome?.Promoted ?? false, inputs.DryRun ? "dry-run" : outcome!.Reason, inputs.Version, outcome?.Record.Image, target.Stack,
            target.Environment, ledger?.DeploymentOf(record.Id), failed);
    }

    /// <summary>The target stack's findings as annotations on the documents that hold them.</summary>
    private void Annotate(StackOpsEngine engine, LifecycleStage target)
    {
        StackValidationResult result;
        try { result = engine.Stacks.Test(target.Stack); }
        catch (StackOpsException e)
        {
            Print(WorkflowCommands.Error(e.Message, title: e.ErrorId));
            return;
        }
        var workspace = variable("GITHUB_WORKSPACE") ?? engine.Location.RepositoryRoot ?? Environment.CurrentDirectory;
        foreach (var finding in result.Findings.Where(f => f.Severity == FindingSeverity.Error))
            Print(WorkflowCommands.Error(finding.Message, finding.File is null ? null : Path.GetRelativePath(workspace, finding.File).Replace('\\', '/'), finding.Line, finding.Code));
    }

    /// <summary>The components of the source and target stacks, type by type.</summary>
    private static IReadOnlyList<(string, string?, string?)> Components(StackOpsEngine engine, Lifecycle lifecycle, PromotionRecord record, LifecycleStage target)
    {
        var sourceStage = record.From ?? (lifecycle.IndexOf(target.Name) > 0 ? lifecycle.Stages[lifecycle.IndexOf(target.Name) - 1].Name : null);
        Stack? Find(string? stage)
        {
            var found = stage is null ? null : lifecycle.Stages.FirstOrDefault(s => string.Equals(s.Name, stage, StringComparison.OrdinalIgnoreCase));
            try { return found is null ? null : engine.Stacks.Get(found.Stack); }
            catch (StackOpsException) { return null; }
        }
        var (from, to) = (Find(sourceStage), Find(target.Name));
        string? Describe(Stack? stack, string type)
        {
            if (stack?[type] is not { } name) return null;
            try { return $"{name} ({engine.Components.Get(type, name).Flavor})"; }
            catch (StackOpsException) { return name; }
        }
        return ComponentTypes.All.Where(t => from?[t] is not null || to?[t] is not null).Select(t => (t, Describe(from, t), Describe(to, t))).ToList();
    }

    /// <summary>The engine's messages in the job log, after their masks: warnings as annotations, the rest as debug lines (shown with step debug logging).</summary>
    private sealed class JobLog(PromotionAction action) : IEngineLog
    {
        public void Warning(string message) => action.Print(WorkflowCommands.Warning(message));
        public void Verbose(string message) => action.Print(WorkflowCommands.Debug(message));
        public void Debug(string message) => action.Print(WorkflowCommands.Debug(message));
        public void Progress(string activity, string status, int percent) { }
    }
}
