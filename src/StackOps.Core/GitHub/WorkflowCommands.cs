using System.Text;
using StackOps.Core.Pipelines;

namespace StackOps.Core.GitHub;

/// <summary>
/// One workflow command line, made only by <see cref="WorkflowCommands"/>: text that did not come from
/// StackOps cannot become one (<see cref="ActionLog"/> prints a string as text, a WorkflowCommand as a command).
/// </summary>
public readonly struct WorkflowCommand
{
    internal WorkflowCommand(string line) => Line = line;

    public string Line { get; }

    public override string ToString() => Line;
}

/// <summary>
/// GitHub Actions' runner protocol: workflow commands on standard output (::add-mask::,
/// ::group::, ::error file=…,line=…::, ::stop-commands::), step outputs in $GITHUB_OUTPUT, the step
/// summary in $GITHUB_STEP_SUMMARY. Values and properties are escaped as the runner expects, so a
/// command stays one line whatever it carries.
/// </summary>
public static class WorkflowCommands
{
    public static WorkflowCommand AddMask(string value) => new($"::add-mask::{Data(value)}");

    public static WorkflowCommand Group(string title) => new($"::group::{Data(title)}");

    public static WorkflowCommand EndGroup { get; } = new("::endgroup::");

    public static WorkflowCommand Error(string message, string? file = null, int? line = null, string? title = null) =>
        new($"::error{Properties(("file", file), ("line", line?.ToString()), ("title", title))}::{Data(message)}");

    public static WorkflowCommand Warning(string message) => new($"::warning::{Data(message)}");

    public static WorkflowCommand Debug(string message) => new($"::debug::{Data(message)}");

    /// <summary>Stops the runner's processing of commands until <see cref="ResumeCommands"/> with the same token.</summary>
    internal static WorkflowCommand StopCommands(string token) => new($"::stop-commands::{token}");

    internal static WorkflowCommand ResumeCommands(string token) => new($"::{token}::");

    private static string Properties(params (string Name, string? Value)[] properties)
    {
        var given = properties.Where(p => p.Value is not null).Select(p => $"{p.Name}={Property(p.Value!)}").ToList();
        return given.Count == 0 ? "" : " " + string.Join(",", given);
    }

    private static string Data(string value) => value.Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A");

    private static string Property(string value) => Data(value).Replace(":", "%3A").Replace(",", "%2C");

    /// <summary>Appends name/value pairs to $GITHUB_OUTPUT, each in the heredoc form, with a delimiter no value contains.</summary>
    public static void WriteOutputs(string path, IEnumerable<(string Name, string Value)> outputs)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in outputs)
        {
            var delimiter = $"stackops_{Guid.NewGuid():N}";
            text.Append($"{name}<<{delimiter}\n{value}\n{delimiter}\n");
        }
        File.AppendAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    public static void AppendSummary(string path, string markdown) => File.AppendAllText(path, markdown, new UTF8Encoding(false));

    /// <summary>
    /// The step summary of a promotion: the source and target stacks' components side by side, every
    /// step with its outcome, the image and its digest, and who approved.
    /// </summary>
    public static string Summary(PromotionRecord record, string? environment, IReadOnlyList<(string Type, string? Source, string? Target)> components, bool dryRun)
    {
        var text = new StringBuilder();
        var verdict = dryRun ? "plan (dry run)" : record.State == PromotionState.Succeeded ? "promoted" : record.State == PromotionState.Failed ? "failed" : record.State.ToString().ToLowerInvariant();
        text.Append($"## StackOps: {Cell(record.Pipeline)} {Cell(record.Version)} → {Cell(record.To)}{(environment is null ? "" : $" (environment `{Cell(environment)}`)")}: {verdict}\n\n");
        text.Append($"| Component | {Cell(record.From ?? "source")} | {Cell(record.To)} |\n|---|---|---|\n");
        foreach (var (type, source, target) in components) text.Append($"| {type} | {Cell(source ?? "—")} | {Cell(target ?? "—")} |\n");
        text.Append("\n| Step | Outcome | Detail |\n|---|---|---|\n");
        foreach (var step in record.Steps)
            text.Append($"| {step.Name} | {(step.Outcome == StepOutcome.Passed ? "✅ passed" : step.Outcome == StepOutcome.Failed ? "❌ failed" : "⏭ skipped")} | {Cell(step.Message)} |\n");
        text.Append('\n');
        if (record.Image is not null) text.Append($"**Image:** `{record.Image}`\n\n");
        else if (record.ImageDigest is not null) text.Append($"**Digest:** `{record.ImageDigest}`\n\n");
        text.Append($"**Approved by:** {(record.Approvers.Count == 0 ? "nobody (no approval recorded for this run)" : string.Join(", ", record.Approvers))}\n\n");
        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");
}
