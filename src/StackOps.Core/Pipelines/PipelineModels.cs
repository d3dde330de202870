using System.Text.RegularExpressions;
using StackOps.Core.Model;

namespace StackOps.Core.Pipelines;

/// <summary>A component type a pipeline needs in a stack, and the flavors it accepts (any when empty).</summary>
public sealed record PipelineRequirement(string Type, IReadOnlyList<string> Flavors)
{
    public override string ToString() => Flavors.Count == 0 ? Type : $"{Type} ({string.Join("|", Flavors)})";
}

/// <summary>A pipeline: what it needs of a stack, the image repository it uses in a stack's registry, and its run configuration.</summary>
public sealed class Pipeline
{
    public Pipeline(string name, IReadOnlyList<PipelineRequirement> requirements, string imageRepository,
        IReadOnlyDictionary<string, object?>? runConfiguration = null, string? description = null, IReadOnlyDictionary<string, string>? labels = null,
        StoreScope scope = StoreScope.User, string? path = null, IReadOnlyList<string>? command = null)
    {
        Name = name;
        Command = command ?? [];
        Requirements = requirements;
        ImageRepository = imageRepository;
        RunConfiguration = runConfiguration ?? new Dictionary<string, object?>();
        Description = description;
        Labels = labels ?? new Dictionary<string, string>();
        Scope = scope;
        Path = path;
    }

    public string Name { get; }
    public IReadOnlyList<PipelineRequirement> Requirements { get; }
    /// <summary>The repository, under the stack registry's uri, that holds the pipeline's image (e.g. ml/training).</summary>
    public string ImageRepository { get; }
    /// <summary>How the pipeline runs: the command and its arguments in its image, run on the stack's orchestrator (empty: it declares none).</summary>
    public IReadOnlyList<string> Command { get; }
    /// <summary>Settings the run step gets (values may be secret references).</summary>
    public IReadOnlyDictionary<string, object?> RunConfiguration { get; }
    public string? Description { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public StoreScope Scope { get; }
    public string? Path { get; }

    public Pipeline With(string? path = null) => new(Name, Requirements, ImageRepository, RunConfiguration, Description, Labels, Scope, path ?? Path, Command);

    public override string ToString() => Name;
}

/// <summary>A published version of a pipeline, immutable: its source revision and the digest of its image.</summary>
public sealed class PipelineVersion
{
    public PipelineVersion(string pipeline, string version, string imageDigest, string? sourceRevision, string? sourceRef, string publishedBy,
        DateTimeOffset publishedAt, string stage, string? path = null)
    {
        Pipeline = pipeline;
        Version = version;
        ImageDigest = imageDigest;
        SourceRevision = sourceRevision;
        SourceRef = sourceRef;
        PublishedBy = publishedBy;
        PublishedAt = publishedAt;
        Stage = stage;
        Path = path;
    }

    public string Pipeline { get; }
    public string Version { get; }
    /// <summary>sha256:… of the image's manifest (or index).</summary>
    public string ImageDigest { get; }
    /// <summary>The commit the version was built from.</summary>
    public string? SourceRevision { get; }
    /// <summary>The branch or tag it was built from (refs/heads/main, refs/tags/v1.4.0), for the allowedRefs gate.</summary>
    public string? SourceRef { get; }
    public string PublishedBy { get; }
    public DateTimeOffset PublishedAt { get; }
    /// <summary>The first stage, where it was published.</summary>
    public string Stage { get; }
    public string? Path { get; }

    public PipelineVersion With(string? path = null) => new(Pipeline, Version, ImageDigest, SourceRevision, SourceRef, PublishedBy, PublishedAt, Stage, path ?? Path);

    public override string ToString() => $"{Pipeline} {Version}";
}

/// <summary>The ordered stages pipelines move through, each with its stack, GitHub environment and gates.</summary>
public sealed class Lifecycle
{
    public Lifecycle(string name, IReadOnlyList<LifecycleStage> stages, string? path = null)
    {
        Name = name;
        Stages = stages;
        Path = path;
    }

    public string Name { get; }
    public IReadOnlyList<LifecycleStage> Stages { get; }
    public string? Path { get; }

    public int IndexOf(string stage) => Stages.ToList().FindIndex(s => string.Equals(s.Name, stage, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => string.Join(" → ", Stages.Select(s => s.Name));
}

public sealed class LifecycleStage
{
    public LifecycleStage(string name, string stack, string? environment, string? environmentUrl, StageGates gates)
    {
        Name = name;
        Stack = stack;
        Environment = environment;
        EnvironmentUrl = environmentUrl;
        Gates = gates;
    }

    public string Name { get; }
    public string Stack { get; }
    /// <summary>The GitHub environment whose protection rules guard promotions into this stage (the action's).</summary>
    public string? Environment { get; }
    public string? EnvironmentUrl { get; }
    public StageGates Gates { get; }

    public override string ToString() => Name;
}

/// <summary>What a promotion into a stage must satisfy besides the checks every promotion makes.</summary>
public sealed class StageGates
{
    public static readonly StageGates None = new(false, null, null, [], []);

    public StageGates(bool requireVerifiedConnectors, ApprovalGate? approvals, TimeSpan? soakTime, IReadOnlyList<string> allowedRefs, IReadOnlyList<FreezeWindow> freezeWindows)
    {
        RequireVerifiedConnectors = requireVerifiedConnectors;
        Approvals = approvals;
        SoakTime = soakTime;
        AllowedRefs = allowedRefs;
        FreezeWindows = freezeWindows;
    }

    /// <summary>The target stack's connectors must pass verification.</summary>
    public bool RequireVerifiedConnectors { get; }
    public ApprovalGate? Approvals { get; }
    /// <summary>How long the version must have been current on the previous stage.</summary>
    public TimeSpan? SoakTime { get; }
    /// <summary>The source refs allowed, as patterns (refs/heads/main, refs/tags/v*); any when empty.</summary>
    public IReadOnlyList<string> AllowedRefs { get; }
    public IReadOnlyList<FreezeWindow> FreezeWindows { get; }

    public override string ToString() => string.Join("; ", new[]
    {
        RequireVerifiedConnectors ? "verified connectors" : null, Approvals?.ToString(),
        SoakTime is { } soak ? $"soak {Durations.Format(soak)}" : null,
        AllowedRefs.Count > 0 ? $"refs {string.Join(", ", AllowedRefs)}" : null,
        FreezeWindows.Count > 0 ? $"freeze {string.Join(", ", FreezeWindows)}" : null,
    }.OfType<string>()) is { Length: > 0 } gates ? gates : "none";
}

/// <summary>How many distinct approvers, from whom (anyone when empty), and whether the requester may approve.</summary>
public sealed record ApprovalGate(int Count, IReadOnlyList<string> Approvers, bool AllowSelfApproval)
{
    public override string ToString() =>
        $"{Count} approval(s){(Approvers.Count > 0 ? $" from {string.Join(", ", Approvers)}" : "")}{(AllowSelfApproval ? ", the requester's own too" : "")}";
}

/// <summary>
/// A time when promotions into a stage are refused: recurring (days of the week, from–to in a
/// time zone; a window whose end is before its start runs past midnight) or dated (start–end).
/// </summary>
public sealed class FreezeWindow
{
    public FreezeWindow(string? name, IReadOnlyList<DayOfWeek> days, TimeOnly? from, TimeOnly? to, string timeZone, DateTimeOffset? start, DateTimeOffset? end)
    {
        Name = name;
        Days = days;
        From = from;
        To = to;
        TimeZone = timeZone;
        Start = start;
        End = end;
    }

    public string? Name { get; }
    public IReadOnlyList<DayOfWeek> Days { get; }
    public TimeOnly? From { get; }
    public TimeOnly? To { get; }
    /// <summary>An IANA or Windows time zone id; UTC by default.</summary>
    public string TimeZone { get; }
    public DateTimeOffset? Start { get; }
    public DateTimeOffset? End { get; }
    public bool IsRecurring => Start is null;

    public bool Contains(DateTimeOffset instant)
    {
        if (!IsRecurring) return instant >= Start && instant < End;
        var local = TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));
        var time = TimeOnly.FromDateTime(local.DateTime);
        var (from, to) = (From ?? TimeOnly.MinValue, To ?? TimeOnly.MaxValue);
        if (from <= to) return Days.Contains(local.DayOfWeek) && time >= from && time < to;
        return (Days.Contains(local.DayOfWeek) && time >= from) || (Days.Contains(local.AddDays(-1).DayOfWeek) && time < to);
    }

    /// <summary>When the window that holds the instant ends (the next time a promotion may go in).</summary>
    public DateTimeOffset EndAfter(DateTimeOffset instant)
    {
        if (!IsRecurring) return End!.Value;
        var probe = instant;
        while (Contains(probe) && probe < instant.AddDays(8)) probe = probe.AddMinutes(1);
        return probe;
    }

    public override string ToString() => Name ?? (IsRecurring
        ? $"{string.Join(",", Days.Select(d => d.ToString()[..3]))} {From:HH\\:mm}-{To:HH\\:mm} {TimeZone}"
        : $"{Start:u} to {End:u}");
}

public enum PromotionState
{
    /// <summary>A request waiting for approvals.</summary>
    Pending,
    Denied,
    /// <summary>A request whose promotion has since succeeded.</summary>
    Fulfilled,
    Running,
    Succeeded,
    Failed,
}

public enum StepOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One step of a promotion and how it went; the message says what was checked, or what would satisfy it.</summary>
public sealed record PromotionStep(string Name, StepOutcome Outcome, string Message, DateTimeOffset At)
{
    public override string ToString() => $"{Name} {Outcome.ToString().ToLowerInvariant()}: {Message}";
}

/// <summary>An approver's decision on a promotion.</summary>
public sealed record ApprovalDecision(string By, bool Approved, string? Comment, DateTimeOffset At)
{
    public override string ToString() => $"{(Approved ? "approved" : "denied")} by {By}{(Comment is null ? "" : $" ({Comment})")}";
}

/// <summary>
/// The record of one promotion (or publication) of a pipeline version into a stage: who asked,
/// who decided, every step with its outcome, and the image it left there. The latest succeeded
/// record of a stage is what is current on it.
/// </summary>
public sealed class PromotionRecord
{
    public PromotionRecord(string id, string pipeline, string version, string? from, string to, PromotionState state, string requestedBy,
        DateTimeOffset requestedAt, IReadOnlyList<ApprovalDecision>? decisions = null, IReadOnlyList<PromotionStep>? steps = null,
        DateTimeOffset? completedAt = null, string? imageDigest = null, string? image = null, bool isRollback = false, string? comment = null, string? path = null)
    {
        Id = id;
        Pipeline = pipeline;
        Version = version;
        From = from;
        To = to;
        State = state;
        RequestedBy = requestedBy;
        RequestedAt = requestedAt;
        Decisions = decisions ?? [];
        Steps = steps ?? [];
        CompletedAt = completedAt;
        ImageDigest = imageDigest;
        Image = image;
        IsRollback = isRollback;
        Comment = comment;
        Path = path;
    }

    public string Id { get; }
    public string Pipeline { get; }
    public string Version { get; }
    /// <summary>The source stage; null for a publication into the first stage.</summary>
    public string? From { get; }
    public string To { get; }
    public PromotionState State { get; }
    public string RequestedBy { get; }
    public DateTimeOffset RequestedAt { get; }
    public IReadOnlyList<ApprovalDecision> Decisions { get; }
    public IReadOnlyList<PromotionStep> Steps { get; }
    public DateTimeOffset? CompletedAt { get; }
    public string? ImageDigest { get; }
    /// <summary>The image in the target stack's registry, as registry/repository@sha256:….</summary>
    public string? Image { get; }
    public bool IsRollback { get; }
    public string? Comment { get; }
    public string? Path { get; }

    /// <summary>When it last moved: completed, else requested (what "newest" means in the history).</summary>
    public DateTimeOffset LastActivity => CompletedAt ?? RequestedAt;

    public IReadOnlyList<string> Approvers => Decisions.Where(d => d.Approved).Select(d => d.By).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The failed step, when the promotion failed.</summary>
    public PromotionStep? FailedStep => Steps.FirstOrDefault(s => s.Outcome == StepOutcome.Failed);

    public PromotionRecord With(PromotionState? state = null, IReadOnlyList<ApprovalDecision>? decisions = null, IReadOnlyList<PromotionStep>? steps = null,
        DateTimeOffset? completedAt = null, string? imageDigest = null, string? image = null, string? path = null, bool? isRollback = null) =>
        new(Id, Pipeline, Version, From, To, state ?? State, RequestedBy, RequestedAt, decisions ?? Decisions, steps ?? Steps,
            completedAt ?? CompletedAt, imageDigest ?? ImageDigest, image ?? Image, isRollback ?? IsRollback, Comment, path ?? Path);

    public override string ToString() => $"{Pipeline} {Version} → {To} ({State})";

    /// <summary>
    /// Ids sort by time: yyyyMMddTHHmmssfffZ, then the pipeline, version and stage (each cut to 24
    /// characters, so an id is a valid name), and a random part so that two in one millisecond differ.
    /// </summary>
    public static string NewId(DateTimeOffset at, string pipeline, string version, string to) =>
        $"{at.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{Sanitize(pipeline)}-{Sanitize(version)}-{Sanitize(to)}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";

    private static string Sanitize(string part)
    {
        var safe = Regex.Replace(part, "[^A-Za-z0-9_.-]", "_");
        return safe.Length > 24 ? safe[..24] : safe;
    }
}
