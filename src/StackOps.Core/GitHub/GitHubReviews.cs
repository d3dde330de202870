using StackOps.Core.Errors;

namespace StackOps.Core.GitHub;

/// <summary>The console side of GitHub's approval gate: runs that wait for an environment's approval, and their review.</summary>
public sealed class GitHubReviews(GitHubApi api, Action<string> verbose)
{
    public IReadOnlyList<PendingRun> Pending(GitHubRepository repository) => GitHubApi.Wait(api.PendingRunsAsync(repository), $"listing the runs of {repository} waiting for approval");

    /// <summary>Approves or rejects the environments a run waits for (all, or those named), with a comment; returns what was reviewed.</summary>
    public IReadOnlyList<PendingRun> Review(GitHubRepository repository, long runId, IReadOnlyList<string>? environments, bool approve, string comment)
    {
        var waiting = Pending(repository).Where(p => p.RunId == runId).ToList();
        if (waiting.Count == 0)
            throw new StackOpsException("RunNotWaiting", ErrorKind.NotFound,
                $"Run {runId} of {repository} waits for no environment's approval. Get-StackPromotion -GitHubRepository {repository} -Pending lists the runs that do.", runId.ToString());
        var chosen = environments is { Count: > 0 } ? waiting.Where(w => environments.Contains(w.Environment, StringComparer.OrdinalIgnoreCase)).ToList() : waiting;
        if (chosen.Count == 0)
            throw new StackOpsException("EnvironmentNotWaiting", ErrorKind.NotFound,
                $"Run {runId} waits for {string.Join(", ", waiting.Select(w => w.Environment))}, not {string.Join(", ", environments!)}.", runId.ToString());
        GitHubApi.Wait(api.ReviewAsync(repository, runId, chosen.Select(c => c.EnvironmentId).ToList(), approve, comment), $"reviewing run {runId} of {repository}");
        verbose($"{(approve ? "Approved" : "Rejected")} run {runId} of {repository} for {string.Join(", ", chosen.Select(c => c.Environment))}.");
        return chosen;
    }
}
