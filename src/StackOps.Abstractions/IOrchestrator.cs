namespace StackOps.Abstractions;

/// <summary>
/// Runs a pipeline version: its image (by digest) with the command the caller gives, the stack's
/// resolved configuration (secrets resolved, never logged), streaming its log lines and honouring
/// cancellation (Ctrl+C), and returning when the run has finished.
/// </summary>
public interface IOrchestrator
{
    /// <summary>Runs the request to its end; cancellation stops the run where it runs (and may throw OperationCanceledException).</summary>
    Task<PipelineRunResult> RunAsync(PipelineRunRequest request, CancellationToken cancellation);
}

/// <summary>One run to make.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Version">The version being run.</param>
/// <param name="Stack">The stack it runs on.</param>
/// <param name="Image">The image, by digest: REGISTRY/REPOSITORY@sha256:...</param>
/// <param name="Command">The command and its arguments, as run in the image (or on this machine by a local orchestrator).</param>
/// <param name="Settings">The orchestrator component's configuration, secret references resolved.</param>
/// <param name="Environment">The stack's configuration as environment variables (STACKOPS_*), secret references resolved.</param>
/// <param name="Log">Where the run's log lines go.</param>
public sealed record PipelineRunRequest(string Pipeline, string Version, string Stack, string Image, IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> Environment, Action<string> Log);

/// <summary>How a run ended: whether it succeeded, a sentence on why, and where to see it (a URL), when there is such a place.</summary>
public sealed record PipelineRunResult(bool Succeeded, string Message, string? Url = null);
