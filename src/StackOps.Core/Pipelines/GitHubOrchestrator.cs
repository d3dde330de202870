using System.Text.Json;
using Octokit;
using StackOps.Abstractions;
using StackOps.Core.GitHub;

namespace StackOps.Core.Pipelines;

/// <summary>
/// The github orchestrator: a workflow_dispatch of a workflow in the target repository with the run's
/// pipeline, version, stack, image (by digest) and command as inputs (secrets stay in GitHub: the
/// workflow's environment holds them, as Sync-StackEnvironment sets them); it waits for that run,
/// links it, and cancels it when the run is cancelled here.
/// </summary>
internal sealed class GitHubOrchestrator(GitHubApi api, GitHubRepository repository, string workflow, string reference, TimeSpan poll) : IOrchestrator
{
    public async Task<PipelineRunResult> RunAsync(PipelineRunRequest request, CancellationToken cancellation)
    {
        var runs = api.Client.Actions.Workflows;
        var since = DateTimeOffset.UtcNow.AddSeconds(-2);
        await runs.CreateDispatch(repository.Owner, repository.Name, workflow, new CreateWorkflowDispatch(reference)
        {
            Inputs = new Dictionary<string, object>
            {
                ["pipeline"] = request.Pipeline, ["version"] = request.Version, ["stack"] = request.Stack, ["image"] = request.Image,
                ["command"] = JsonSerializer.Serialize(request.Command),
            },
        });
        request.Log($"Dispatched {workflow} on {repository}@{reference}.");
        Octokit.WorkflowRun? run = null;
        while (run is null)
        {
            var dispatched = await runs.Runs.ListByWorkflow(repository.Owner, repository.Name, workflow,
                new WorkflowRunsRequest { Event = "workflow_dispatch", Created = $">={since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}" });
            run = dispatched.WorkflowRuns.Where(r => r.CreatedAt >= since).OrderByDescending(r => r.CreatedAt).FirstOrDefault();
            if (run is null) await Task.Delay(poll, cancellation);
        }
        request.Log($"Run {run.Id}: {run.HtmlUrl}");
        try
        {
            while (run.Status.StringValue != "completed")
            {
                await Task.Delay(poll, cancellation);
                var previous = run.Status.StringValue;
                run = await runs.Runs.Get(repository.Owner, repository.Name, run.Id);
                if (run.Status.StringValue != previous) request.Log($"Run {run.Id}: {run.Status.StringValue}");
            }
        }
        catch (OperationCanceledException)
        {
            await runs.Runs.Cancel(repository.Owner, repository.Name, run.Id);
            throw;
        }
        var conclusion = run.Conclusion?.StringValue ?? "unknown";
        return new PipelineRunResult(conclusion == "success", $"Workflow run {run.Id} of {workflow} in {repository} concluded: {conclusion}.", run.HtmlUrl);
    }
}
