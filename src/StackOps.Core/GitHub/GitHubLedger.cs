using System.Text.Json;
using Octokit;
using StackOps.Core.Pipelines;
using StackOps.Core.Store;

namespace StackOps.Core.GitHub;

/// <summary>The workflow run a promotion happens in: its id, who triggered it, the commit, and where its log is.</summary>
public sealed record WorkflowRun(long? RunId, string? Actor, string? Sha, string ServerUrl)
{
    /// <summary>From the runner's variables: GITHUB_RUN_ID, GITHUB_TRIGGERING_ACTOR (else GITHUB_ACTOR), GITHUB_SHA, GITHUB_SERVER_URL.</summary>
    public static WorkflowRun From(Func<string, string?> variable) => new(
        long.TryParse(variable("GITHUB_RUN_ID"), out var id) ? id : null,
        Pipelines.Identity.GitHubActor(),
        variable("GITHUB_SHA"),
        variable("GITHUB_SERVER_URL") is { Length: > 0 } server ? server.TrimEnd('/') : "https://github.com");
}

/// <summary>
/// The ledger of the action: for a stage with a GitHub environment, the history is that
/// environment's deployments made by StackOps (task stackops:promote) and the current version is
/// the payload of the latest successful one; a promotion that starts creates a deployment
/// (auto_merge off, no required contexts) with an in_progress status, then success or failure with
/// the run's log. Approvals are the run's environment approvals. Stages without an environment
/// (where versions are published, as commits) keep the store's ledger. With a team server's store
/// (<paramref name="mirror"/>) the server is the ledger — it verifies every record, and approvals are
/// its principals' — and the deployments mirror it, so the environment still shows what was deployed.
/// </summary>
public sealed class GitHubLedger(GitHubApi api, GitHubRepository repository, Lifecycle lifecycle, IPromotionLedger store, WorkflowRun run, bool mirror = false) : IPromotionLedger
{
    public const string Task = "stackops:promote";

    private readonly Dictionary<string, long> _deployments = new(StringComparer.Ordinal);

    /// <summary>The deployment created for a promotion record, once it started.</summary>
    public long? DeploymentOf(string recordId) => _deployments.TryGetValue(recordId, out var id) ? id : null;

    private LifecycleStage? Stage(string name) => lifecycle.Stages.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    private string? EnvironmentOf(string stage) => Stage(stage)?.Environment;

    public Listing<PromotionRecord> Records()
    {
        var stored = store.Records();
        if (mirror) return stored;
        var records = stored.Items.Where(r => EnvironmentOf(r.To) is null).ToList();
        foreach (var stage in lifecycle.Stages.Where(s => s.Environment is not null))
        {
            var deployments = GitHubApi.Wait(api.DeploymentsAsync(repository, stage.Environment!), $"listing the deployments of the environment '{stage.Environment}'");
            var statuses = GitHubApi.Wait(LatestStatusesAsync(deployments), $"reading the statuses of the deployments of the environment '{stage.Environment}'");
            for (var i = 0; i < deployments.Count; i++)
                if (ToRecord(deployments[i], statuses[i], stage) is { } record) records.Add(record);
        }
        return new Listing<PromotionRecord>(records.OrderByDescending(r => r.LastActivity).ToList(), stored.Problems);
    }

    /// <summary>The latest status of each deployment, a few requests at a time: one after the other, a long history would take seconds.</summary>
    private async Task<JsonElement?[]> LatestStatusesAsync(IReadOnlyList<JsonElement> deployments)
    {
        var statuses = new JsonElement?[deployments.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, deployments.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => statuses[i] = await api.LatestStatusAsync(repository, deployments[i].GetProperty("id").GetInt64()));
        return statuses;
    }

    private PromotionRecord? ToRecord(JsonElement deployment, JsonElement? status, LifecycleStage stage)
    {
        if (!deployment.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object) return null;
        string? Value(string key) => payload.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (Value("pipeline") is not { } pipeline || Value("version") is not { } version) return null;
        var id = deployment.GetProperty("id").GetInt64();
        var created = deployment.GetProperty("created_at").GetDateTimeOffset();
        var latest = status?.GetProperty("state").GetString();
        var state = latest switch
        {
            // inactive: it succeeded, and something else has been deployed to the environment since.
            "success" or "inactive" => PromotionState.Succeeded,
            "failure" or "error" => PromotionState.Failed,
            _ => PromotionState.Running,
        };
        // An inactive deployment's last status is when it was replaced; it became current when it was created.
        var completed = latest switch { "success" or "failure" or "error" => status?.GetProperty("created_at").GetDateTimeOffset(), "inactive" => created, _ => null };
        var decisions = (Value("approvers") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => new ApprovalDecision(a, true, null, created)).ToList();
        return new PromotionRecord($"github-deployment-{id}", pipeline, version, Value("from"), stage.Name, state,
            deployment.TryGetProperty("creator", out var creator) && creator.ValueKind == JsonValueKind.Object ? creator.GetProperty("login").GetString()! : "github",
            created, decisions, completedAt: completed,
            imageDigest: Value("digest"), image: Value("image"), isRollback: Value("rollback") == "true");
    }

    /// <summary>For a stage with an environment: the run's approvals of that environment, as a pending request by the run's actor.</summary>
    public PromotionRecord? Pending(string pipeline, string version, string stage)
    {
        if (mirror || EnvironmentOf(stage) is not { } environment) return store.Pending(pipeline, version, stage);
        if (run.RunId is not { } runId) return null;
        var approvals = GitHubApi.Wait(api.ApprovalsAsync(repository, runId), $"reading the approvals of run {runId}").Where(a => a.Environments.Contains(environment, StringComparer.OrdinalIgnoreCase)).ToList();
        var now = DateTimeOffset.UtcNow;
        return new PromotionRecord($"github-run-{runId}-{environment}", pipeline, version, null, stage, PromotionState.Pending, run.Actor ?? "github", now,
            approvals.Select(a => new ApprovalDecision(a.User, a.Approved, a.Comment, now)).ToList());
    }

    public void Save(PromotionRecord record)
    {
        if (Stage(record.To) is not { Environment: { } environment } stage)
        {
            store.Save(record);
            return;
        }
        if (mirror) SaveInStore(record);
        switch (record.State)
        {
            case PromotionState.Running when !_deployments.ContainsKey(record.Id):
                var deployment = GitHubApi.Wait(api.Client.Repository.Deployment.Create(repository.Owner, repository.Name, new NewDeployment(run.Sha ?? record.Version)
                {
                    Environment = environment, Task = Task, AutoMerge = false, RequiredContexts = [],
                    Description = $"{record.Pipeline} {record.Version} from {record.From}", ProductionEnvironment = lifecycle.IndexOf(stage.Name) == lifecycle.Stages.Count - 1,
                    Payload = new Dictionary<string, string>
                    {
                        ["pipeline"] = record.Pipeline, ["version"] = record.Version, ["from"] = record.From ?? "", ["digest"] = record.ImageDigest ?? "",
                        ["approvers"] = string.Join(",", record.Approvers), ["rollback"] = record.IsRollback ? "true" : "false", ["requestedBy"] = record.RequestedBy,
                    },
                }), $"creating a deployment to the environment '{environment}'");
                _deployments[record.Id] = deployment.Id;
                Status(deployment.Id, DeploymentState.InProgress, $"promoting {record.Pipeline} {record.Version}", stage);
                break;
            case PromotionState.Succeeded or PromotionState.Failed when _deployments.TryGetValue(record.Id, out var id):
                Status(id, record.State == PromotionState.Succeeded ? DeploymentState.Success : DeploymentState.Failure,
                    record.State == PromotionState.Succeeded ? $"{record.Image}" : $"failed at {record.FailedStep?.Name}", stage);
                break;
            // A promotion that failed before it started, a request, a decision: GitHub's own records (the run, its approvals) tell them.
        }
    }

    /// <summary>A mirror saves in the store first: a team server may refuse a record (PromotionUnverified), and the deployment then fails with it.</summary>
    private void SaveInStore(PromotionRecord record)
    {
        try { store.Save(record); }
        catch (Errors.StackOpsException e) when (_deployments.TryGetValue(record.Id, out var id))
        {
            Status(id, DeploymentState.Failure, $"the store refused the record: {e.ErrorId}", Stage(record.To)!);
            throw;
        }
    }

    private void Status(long deployment, DeploymentState state, string description, LifecycleStage stage) =>
        GitHubApi.Wait(api.Client.Repository.Deployment.Status.Create(repository.Owner, repository.Name, deployment, new NewDeploymentStatus(state)
        {
            LogUrl = run.RunId is { } id ? $"{run.ServerUrl}/{repository}/actions/runs/{id}" : null,
            EnvironmentUrl = stage.EnvironmentUrl,
            Description = description.Length > 140 ? description[..140] : description,
            AutoInactive = false,
        }), $"setting the status of deployment {deployment} to {state}");
}
