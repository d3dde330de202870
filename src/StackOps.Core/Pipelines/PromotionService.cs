using System.Text.RegularExpressions;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Registries;
using StackOps.Core.Secrets;
using StackOps.Core.Store;
using StackOps.Core.Validation;

namespace StackOps.Core.Pipelines;

/// <summary>Where promotion records live: the store's promotions/ folder for the console; GitHub deployments for the action.</summary>
public interface IPromotionLedger
{
    /// <summary>Every record, the most recently active (completed, else requested) first, and the ones that could not be read.</summary>
    Listing<PromotionRecord> Records();

    /// <summary>The pending promotion of a version into a stage, with its approvals; null when there is none.</summary>
    PromotionRecord? Pending(string pipeline, string version, string stage);

    /// <summary>Writes a record (new, or a new state of one) atomically.</summary>
    void Save(PromotionRecord record);
}

/// <summary>The store's ledger: one Promotion document per record, written under the store's lock.</summary>
internal sealed class StoreLedger(StackOpsEngine engine) : IPromotionLedger
{
    public Listing<PromotionRecord> Records()
    {
        var listing = engine.View().Promotions();
        return listing with { Items = listing.Items.OrderByDescending(r => r.LastActivity).ThenByDescending(r => r.Id, StringComparer.Ordinal).ToList() };
    }

    public PromotionRecord? Pending(string pipeline, string version, string stage) =>
        Records().Items.FirstOrDefault(r => r.State == PromotionState.Pending && Same(r.Pipeline, pipeline) && Same(r.Version, version) && Same(r.To, stage));

    public void Save(PromotionRecord record) => engine.Change((transaction, _) => StackOpsEngine.Write(transaction, record));

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a promotion did: the record, whether the target's current version changed, and why not.</summary>
public sealed record PromotionOutcome(PromotionRecord Record, bool Promoted, string Reason);

/// <summary>The environment a run step gets, and what it reported.</summary>
public sealed record RunContext(string Stack, string Image, IReadOnlyDictionary<string, string> Environment);

public sealed record RunResult(bool Succeeded, string Message);

/// <summary>
/// Promotion of a pipeline version from one stage to the next: every check and gate in order,
/// the image copied between the stacks' registries, an optional run step, and the target's current
/// version moved only when all succeeded; each attempt is recorded in the ledger.
/// </summary>
public sealed class PromotionService
{
    private static readonly Dictionary<string, string> ErrorIds = new()
    {
        ["version"] = "VersionNotCurrent", ["requirements"] = "PipelineRequirementMissing", ["stack"] = "TargetStackInvalid",
        ["approvals"] = "ApprovalGateNotMet", ["soakTime"] = "SoakTimeNotMet", ["allowedRefs"] = "RefNotAllowed",
        ["freezeWindows"] = "FreezeWindowInEffect", ["image"] = "ImageCopyFailed", ["run"] = "RunFailed", [ExpiredStep] = "PromotionExpired",
    };

    /// <summary>The step a team server adds to an attempt whose client stopped reporting (<see cref="Expire"/>).</summary>
    public const string ExpiredStep = "expired";

    private readonly StackOpsEngine _engine;

    internal PromotionService(StackOpsEngine engine)
    {
        _engine = engine;
        Ledger = new StoreLedger(engine);
    }

    public IPromotionLedger Ledger { get; set; }

    /// <summary>The error id of a failed step, for the adapters.</summary>
    public static string ErrorIdOf(PromotionStep step) => ErrorIds.GetValueOrDefault(step.Name, "PromotionFailed");

    /// <summary>The latest succeeded record of a stage for a pipeline: what is current there.</summary>
    public static PromotionRecord? Current(IEnumerable<PromotionRecord> records, string pipeline, string stage) =>
        records.Where(r => r.State == PromotionState.Succeeded && Same(r.Pipeline, pipeline) && Same(r.To, stage))
            .OrderByDescending(r => r.CompletedAt).FirstOrDefault();

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>The history, newest first, filtered, and the records that could not be read.</summary>
    public Listing<PromotionRecord> History(string? pipeline = null, string? stage = null, PromotionState? state = null, string? version = null)
    {
        var listing = Ledger.Records();
        return listing with
        {
            Items = listing.Items.Where(r => (pipeline is null || Same(r.Pipeline, pipeline)) && (stage is null || Same(r.To, stage) || Same(r.From, stage))
                && (state is null || r.State == state) && (version is null || Same(r.Version, version))).ToList(),
        };
    }

    /// <summary>Every record, for a decision that depends on them all (what is current, what is pending): an unreadable record stops it.</summary>
    internal IReadOnlyList<PromotionRecord> AllRecords(string decision)
    {
        var listing = Ledger.Records();
        return listing.Problems.Count > 0 ? throw Fail.Unreadable(decision, listing.Problems) : listing.Items;
    }

    private string Me => _engine.Who;

    /// <summary>The promotion's subject, checked: an unknown pipeline, version or stage, or a skipped stage, is an error before anything runs.</summary>
    private (Pipeline Pipeline, PipelineVersion Version, Lifecycle Lifecycle, LifecycleStage From, LifecycleStage To) Resolve(string pipeline, string version, string to, string? from)
    {
        var pipelines = _engine.Pipelines;
        var found = pipelines.Get(pipeline);
        var published = pipelines.Version(found.Name, version);
        var lifecycle = pipelines.Lifecycle();
        var target = pipelines.Stage(lifecycle, to);
        var targetIndex = lifecycle.IndexOf(target.Name);
        if (targetIndex == 0)
            throw new StackOpsException("FirstStage", ErrorKind.InvalidArgument, $"'{target.Name}' is the first stage: versions enter it with Publish-StackPipeline, not by promotion.", target.Name);
        var source = from is null ? lifecycle.Stages[targetIndex - 1] : pipelines.Stage(lifecycle, from);
        if (lifecycle.IndexOf(source.Name) != targetIndex - 1)
            throw new StackOpsException("StageSkipped", ErrorKind.InvalidArgument,
                $"Promotions go one stage at a time ({lifecycle}): into '{target.Name}' only from '{lifecycle.Stages[targetIndex - 1].Name}', not from '{source.Name}'.", target.Name);
        return (found, published, lifecycle, source, target);
    }

    /// <summary>Creates a pending promotion for a stage whose gate needs approvals (or returns the one pending).</summary>
    public PromotionRecord Request(string pipeline, string version, string to, string? from = null, string? comment = null)
    {
        var (found, published, _, source, target) = Resolve(pipeline, version, to, from);
        if (target.Gates.Approvals is null)
            throw new StackOpsException("NoApprovalRequired", ErrorKind.InvalidOperation, $"Stage '{target.Name}' needs no approvals: run Invoke-StackPromotion {found.Name} {published.Version} -To {target.Name} directly.", target.Name);
        if (Pending(found.Name, published.Version, target.Name) is { } pending) return pending;
        var now = _engine.Clock.GetUtcNow();
        var record = new PromotionRecord(PromotionRecord.NewId(now, found.Name, published.Version, target.Name), found.Name, published.Version, source.Name, target.Name,
            PromotionState.Pending, Me, now, comment: comment);
        Ledger.Save(record);
        _engine.Messages.Verbose($"Requested the promotion of {found.Name} {published.Version} to '{target.Name}': it needs {target.Gates.Approvals.Count} approval(s).");
        return record;
    }

    private PromotionRecord? Pending(string pipeline, string version, string stage) => Ledger.Pending(pipeline, version, stage);

    /// <summary>Records an approval or a denial by the current identity on a pending promotion (by id, or by pipeline, version and stage).</summary>
    public PromotionRecord Decide(string? id, string? pipeline, string? version, string? to, bool approve, string? comment)
    {
        var record = (id is not null ? AllRecords($"find promotion '{id}'").FirstOrDefault(r => Same(r.Id, id)) : Pending(pipeline!, version!, to!))
            ?? throw new StackOpsException("PromotionNotFound", ErrorKind.NotFound,
                $"No pending promotion {(id is not null ? $"'{id}'" : $"of {pipeline} {version} to '{to}'")}. Run Get-StackPromotion -Pending to list them, or {(id is not null ? "Request-StackPromotion" : $"Request-StackPromotion {pipeline} {version} -To {to}")} to create one.", id ?? to);
        if (record.State != PromotionState.Pending)
            throw new StackOpsException("PromotionNotPending", ErrorKind.InvalidOperation, $"Promotion '{record.Id}' is {record.State}, not pending: decisions are taken on pending promotions only.", record);
        var gate = _engine.Pipelines.Stage(_engine.Pipelines.Lifecycle(), record.To).Gates.Approvals;
        var me = Me;
        ApprovalRules.Check(record, gate, me, approve);
        var now = _engine.Clock.GetUtcNow();
        var decided = record.With(state: approve ? PromotionState.Pending : PromotionState.Denied,
            decisions: [.. record.Decisions, new ApprovalDecision(me, approve, comment, now)], completedAt: approve ? null : now);
        Ledger.Save(decided);
        _engine.Messages.Verbose($"{me} {(approve ? "approved" : "denied")} the promotion of {record.Pipeline} {record.Version} to '{record.To}'.");
        return decided;
    }

    /// <summary>
    /// The checks and gates of a promotion (steps 1 to 4) as they stand now, and the steps that
    /// would follow; nothing is copied, run or written.
    /// </summary>
    public IReadOnlyList<PromotionStep> Plan(string pipeline, string version, string to, string? from = null)
    {
        var subject = Resolve(pipeline, version, to, from);
        var records = AllRecords($"plan the promotion of {subject.Pipeline.Name} {subject.Version.Version}");
        var steps = Checks(subject, records, Pending(subject.Pipeline.Name, subject.Version.Version, subject.To.Name), out _);
        var now = _engine.Clock.GetUtcNow();
        if (Current(records, subject.Pipeline.Name, subject.To.Name) is { } current && Same(current.Version, subject.Version.Version))
            return [new PromotionStep("current", StepOutcome.Skipped, $"{subject.Version.Version} is already current on '{subject.To.Name}': nothing to do", now)];
        return
        [
            .. steps,
            new PromotionStep("image", StepOutcome.Skipped, $"would copy {subject.Version.ImageDigest} from stack '{subject.From.Stack}' to stack '{subject.To.Stack}' and tag it {subject.Version.Version}", now),
            new PromotionStep("current", StepOutcome.Skipped, $"would make {subject.Version.Version} current on '{subject.To.Name}'", now),
        ];
    }

    /// <summary>
    /// Promotes a version: steps 1 to 7 in order, stopping at the first failure, which the record
    /// names; the target's current version changes only when every step passed.
    /// </summary>
    public PromotionOutcome Invoke(string pipeline, string version, string to, string? from = null, Func<RunContext, RunResult>? run = null, string? comment = null)
    {
        var subject = Resolve(pipeline, version, to, from);
        var (found, published, _, source, target) = subject;
        var records = AllRecords($"promote {found.Name} {published.Version}");
        if (Current(records, found.Name, target.Name) is { } current && Same(current.Version, published.Version))
        {
            _engine.Messages.Verbose($"{found.Name} {published.Version} is already current on '{target.Name}' (since {current.CompletedAt:u}): nothing to do.");
            return new PromotionOutcome(current, false, "already-current");
        }
        var pending = Pending(found.Name, published.Version, target.Name);
        var now = _engine.Clock.GetUtcNow();
        // Each attempt is a record of its own; a pending request lends it its approvals and, once it succeeds, is fulfilled.
        var record = new PromotionRecord(PromotionRecord.NewId(now, found.Name, published.Version, target.Name), found.Name, published.Version, source.Name, target.Name,
            PromotionState.Running, Me, now, pending?.Decisions, isRollback: WasCurrent(records, found.Name, published.Version, target.Name), comment: comment ?? pending?.Comment);

        var steps = Checks(subject, records, pending, out var rollback).ToList();
        if (steps.All(s => s.Outcome != StepOutcome.Failed))
        {
            // The promotion starts: a ledger that tracks running promotions (GitHub deployments) records it now.
            record = record.With(steps: steps, isRollback: rollback, imageDigest: published.ImageDigest);
            Ledger.Save(record);
            var image = CopyImage(subject, out var copyStep);
            steps.Add(copyStep);
            if (copyStep.Outcome == StepOutcome.Passed)
            {
                steps.Add(RunStep(subject, image!, run));
                if (steps[^1].Outcome != StepOutcome.Failed)
                {
                    var done = _engine.Clock.GetUtcNow();
                    steps.Add(new PromotionStep("current", StepOutcome.Passed, $"{published.Version} is current on '{target.Name}'{(rollback ? " (rollback)" : "")}", done));
                    var succeeded = record.With(state: PromotionState.Succeeded, steps: steps, completedAt: done, imageDigest: published.ImageDigest, image: image);
                    Ledger.Save(succeeded);
                    if (pending is not null) Ledger.Save(pending.With(state: PromotionState.Fulfilled, completedAt: done));
                    _engine.Messages.Verbose($"Promoted {found.Name} {published.Version} from '{source.Name}' to '{target.Name}' ({image}).");
                    return new PromotionOutcome(succeeded, true, rollback ? "rolled-back" : "promoted");
                }
            }
        }
        var failedStep = steps.First(s => s.Outcome == StepOutcome.Failed);
        var attempt = record.With(state: PromotionState.Failed, steps: steps, completedAt: _engine.Clock.GetUtcNow());
        Ledger.Save(attempt);
        _engine.Messages.Verbose($"The promotion of {found.Name} {published.Version} to '{target.Name}' failed at the {failedStep.Name} step: {failedStep.Message}");
        return new PromotionOutcome(attempt, false, $"failed-{failedStep.Name}");
    }

    /// <summary>
    /// What a team server checks before it stores a record that makes a version current: the record
    /// carries the version's digest; for a promotion, every check and gate passes again on the store
    /// as it is, with the approvals of the pending request (the secrets and connectors the client
    /// resolved are the client's: they are not resolved here); and the image is in the target stack's
    /// registry by that digest, read by the server itself. <paramref name="publishing"/> is the version
    /// a publication writes in the same commit. PromotionUnverified names what failed.
    /// </summary>
    public void Verify(PromotionRecord record, PipelineVersion? publishing = null)
    {
        var pipeline = _engine.Pipelines.Get(record.Pipeline);
        var version = publishing ?? _engine.Pipelines.Version(pipeline.Name, record.Version);
        if (!Same(record.ImageDigest, version.ImageDigest))
            throw Unverified(record, "image", $"the record's digest {record.ImageDigest ?? "(none)"} is not version {version.Version}'s, {version.ImageDigest}");
        string stack;
        if (record.From is null)
        {
            var first = _engine.Pipelines.Lifecycle().Stages[0];
            if (!Same(first.Name, record.To)) throw Unverified(record, "version", $"a version enters the lifecycle on its first stage, '{first.Name}', not on '{record.To}'");
            stack = first.Stack;
        }
        else
        {
            var subject = Resolve(pipeline.Name, version.Version, record.To, record.From) with { Version = version };
            var records = AllRecords($"verify promotion '{record.Id}'").Where(r => !Same(r.Id, record.Id)).ToList();
            var failed = Checks(subject, records, Pending(pipeline.Name, version.Version, subject.To.Name), out _, onServer: true).FirstOrDefault(s => s.Outcome == StepOutcome.Failed);
            if (failed is not null) throw Unverified(record, failed.Name, failed.Message);
            stack = subject.To.Stack;
        }
        using var registry = _engine.Pipelines.Registry(_engine.Stacks.Get(stack), pipeline);
        try
        {
            using var timeout = new CancellationTokenSource(_engine.Connectors.Timeout * 4);
            var found = registry.Client.GetManifestAsync(registry.Repository, version.ImageDigest, timeout.Token).GetAwaiter().GetResult().Digest;
            if (!Same(found, version.ImageDigest)) throw Unverified(record, "image", $"{registry.Reference(version.ImageDigest)} answers with the digest {found}");
        }
        catch (Exception e) when (e is RegistryException or HttpRequestException or OperationCanceledException)
        {
            throw Unverified(record, "image", $"{registry.Reference(version.ImageDigest)} could not be read from stack '{stack}': {PipelineService.Reason(e, registry)}");
        }
    }

    private static StackOpsException Unverified(PromotionRecord record, string step, string problem) =>
        new("PromotionUnverified", ErrorKind.SecurityError,
            $"The server does not record {record.Version} of '{record.Pipeline}' as current on '{record.To}': its {step} check fails ({problem.TrimEnd('.')}). Nothing was changed; fix that, then promote again with Invoke-StackPromotion.", record.Id);

    /// <summary>
    /// An attempt whose client stopped reporting (killed, or lost its connection) for longer than
    /// <paramref name="after"/>, as failed: the target's current version never changed, and the record says why.
    /// </summary>
    public static PromotionRecord Expire(PromotionRecord running, DateTimeOffset now, TimeSpan after) =>
        running.With(state: PromotionState.Failed, completedAt: now, steps: [.. running.Steps,
            new PromotionStep(ExpiredStep, StepOutcome.Failed,
                $"the promotion started at {running.RequestedAt:u} and its client reported nothing for {Durations.Format(after)}: it stopped, and the target is unchanged. Promote again: Invoke-StackPromotion {running.Pipeline} {running.Version} -To {running.To}.", now)]);

    /// <summary>What a version that has not soaked long enough on the source needs, in a sentence.</summary>
    private static string SoakProblem((Pipeline Pipeline, PipelineVersion Version, Lifecycle Lifecycle, LifecycleStage From, LifecycleStage To) subject,
        CurrentSpell? spell, TimeSpan soaked, TimeSpan soak)
    {
        var (pipeline, version, lifecycle, source, _) = subject;
        var needed = $"{Durations.Describe(soaked)} of {Durations.Format(soak)}";
        if (spell is null) return $"soak time: {version.Version} has not been current on '{source.Name}'.";
        if (spell.Next is null) return $"soak time: {version.Version} has been current on '{source.Name}' for {needed}; promote after {spell.Since + soak:u}.";
        return $"soak time: {version.Version} was current on '{source.Name}' for {needed} before {spell.Next} replaced it. " + (lifecycle.IndexOf(source.Name) == 0
            ? $"Publish its image again as a new version (Publish-StackPipeline {pipeline.Name} <new version> -Image {version.ImageDigest}) and let that soak."
            : $"Make it current there again (Invoke-StackPromotion {pipeline.Name} {version.Version} -To {source.Name}) and promote it {Durations.Format(soak)} later.");
    }

    /// <summary>When a version last became current on a stage and, when another has replaced it since, which one and when.</summary>
    private sealed record CurrentSpell(DateTimeOffset Since, DateTimeOffset? Until, string? Next);

    private static CurrentSpell? Spell(IEnumerable<PromotionRecord> records, string pipeline, string version, string stage)
    {
        var succeeded = records.Where(r => r.State == PromotionState.Succeeded && Same(r.Pipeline, pipeline) && Same(r.To, stage)).OrderBy(r => r.CompletedAt).ToList();
        var last = succeeded.FindLastIndex(r => Same(r.Version, version));
        if (last < 0) return null;
        var next = last + 1 < succeeded.Count ? succeeded[last + 1] : null;
        return new CurrentSpell(succeeded[last].CompletedAt!.Value, next?.CompletedAt, next?.Version);
    }

    private static bool WasCurrent(IEnumerable<PromotionRecord> records, string pipeline, string version, string stage) =>
        records.Any(r => r.State == PromotionState.Succeeded && Same(r.Pipeline, pipeline) && Same(r.Version, version) && Same(r.To, stage));

    /// <summary>Steps 1 to 4: the version on the source, the pipeline's requirements, the target stack, and the gates.</summary>
    private List<PromotionStep> Checks((Pipeline Pipeline, PipelineVersion Version, Lifecycle Lifecycle, LifecycleStage From, LifecycleStage To) subject,
        IReadOnlyList<PromotionRecord> records, PromotionRecord? pending, out bool rollback, bool onServer = false)
    {
        var (pipeline, version, _, source, target) = subject;
        var now = _engine.Clock.GetUtcNow();
        var steps = new List<PromotionStep>();
        void Add(string name, string? failure, string passed) =>
            steps.Add(new PromotionStep(name, failure is null ? StepOutcome.Passed : StepOutcome.Failed, SecretMasker.Shared.Apply(failure ?? passed), now));
        void Skip(string name, string why) => steps.Add(new PromotionStep(name, StepOutcome.Skipped, why, now));

        // 1. The version is, or once was, current on the source; a version once current on the target is a rollback.
        rollback = WasCurrent(records, pipeline.Name, version.Version, target.Name);
        var spell = Spell(records, pipeline.Name, version.Version, source.Name);
        if (rollback) Add("version", null, $"rollback: {version.Version} was current on '{target.Name}' before");
        else Add("version", spell is null
            ? $"{version.Version} has never been current on '{source.Name}' ({(Current(records, pipeline.Name, source.Name) is { } onSource ? $"current: {onSource.Version}" : "it has no version yet")}). Promote it there first: Invoke-StackPromotion {pipeline.Name} {version.Version} -To {source.Name}."
            : null, spell?.Next is { } replacedBy ? $"{version.Version} was current on '{source.Name}' from {spell.Since:u} until {replacedBy} replaced it" : $"{version.Version} is current on '{source.Name}' since {spell?.Since:u}");

        // 2. The target stack has what the pipeline needs.
        Stack? stack = null;
        try { stack = _engine.Stacks.Get(target.Stack); }
        catch (StackOpsException e) { Add("requirements", e.Message, ""); }
        if (stack is not null) Add("requirements", Missing(pipeline, stack), $"stack '{stack.Name}' has {string.Join(", ", pipeline.Requirements.Select(r => r.Type))}");

        // 3. The target stack is valid, its secrets resolve, and (when the gate asks) its connectors verify.
        if (stack is null) Skip("stack", "no stack to check");
        else if (onServer) Add("stack", StackProblems(stack, SecretValidation.None, verifyConnectors: false), $"stack '{stack.Name}' is valid");
        else Add("stack", StackProblems(stack, SecretValidation.SecretAndKeyExists, target.Gates.RequireVerifiedConnectors), $"stack '{stack.Name}' is valid, its secret references resolve{(target.Gates.RequireVerifiedConnectors ? " and its connectors verify" : "")}");

        // 4. The gates.
        var gates = target.Gates;
        if (gates.Approvals is { } approvals)
        {
            var decisions = pending?.Decisions ?? [];
            var denied = decisions.FirstOrDefault(d => !d.Approved);
            var valid = decisions.Where(d => d.Approved && (approvals.Approvers.Count == 0 || approvals.Approvers.Contains(d.By, StringComparer.OrdinalIgnoreCase))
                && (approvals.AllowSelfApproval || !Same(d.By, pending!.RequestedBy))).Select(d => d.By).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            Add("approvals", denied is not null ? $"approvals: denied by {denied.By}{(denied.Comment is null ? "" : $" ({denied.Comment})")}"
                : valid.Count < approvals.Count
                    ? $"approvals: {valid.Count} of {approvals.Count}{(valid.Count > 0 ? $" ({string.Join(", ", valid)})" : "")}. {(pending is null ? $"Run Request-StackPromotion {pipeline.Name} {version.Version} -To {target.Name}, then" : "Then")} {approvals.Count - valid.Count} more approver(s){(approvals.Approvers.Count > 0 ? $" among {string.Join(", ", approvals.Approvers)}" : "")}{(approvals.AllowSelfApproval ? "" : ", not the requester,")} run Approve-StackPromotion {pipeline.Name} {version.Version} -To {target.Name}."
                    : null, $"approvals: {string.Join(", ", valid)}");
        }
        else Skip("approvals", "no approvals required");

        if (gates.SoakTime is { } soak && !rollback)
        {
            var soaked = spell is null ? TimeSpan.Zero : (spell.Until ?? now) - spell.Since;
            Add("soakTime", soaked >= soak ? null : SoakProblem(subject, spell, soaked, soak),
                $"soak time: current on '{source.Name}' for {Durations.Describe(soaked)} (needs {Durations.Format(soak)})");
        }
        else Skip("soakTime", rollback ? "rollback: no soak time" : "no soak time required");

        if (gates.AllowedRefs.Count > 0)
            Add("allowedRefs", version.SourceRef is null ? $"allowed refs: {version.Version} records no source ref, and '{target.Name}' takes only {string.Join(", ", gates.AllowedRefs)}. Publish with -SourceRef."
                : !gates.AllowedRefs.Any(p => RefMatches(p, version.SourceRef)) ? $"allowed refs: {version.SourceRef} is not allowed into '{target.Name}' (allowed: {string.Join(", ", gates.AllowedRefs)})." : null,
                $"allowed refs: {version.SourceRef}");
        else Skip("allowedRefs", "any source ref");

        if (gates.FreezeWindows.Count > 0)
        {
            var frozen = gates.FreezeWindows.FirstOrDefault(w => w.Contains(now));
            Add("freezeWindows", frozen is null ? null : $"freeze window {frozen} is in effect until {frozen.EndAfter(now):u}; promote into '{target.Name}' after it.",
                $"no freeze window in effect");
        }
        else Skip("freezeWindows", "no freeze windows");
        return steps;
    }

    private string? Missing(Pipeline pipeline, Stack stack)
    {
        var problems = new List<string>();
        foreach (var requirement in pipeline.Requirements)
        {
            if (stack[requirement.Type] is not { } name)
            {
                problems.Add($"no {requirement.Type}{(requirement.Flavors.Count > 0 ? $" ({string.Join(" or ", requirement.Flavors)})" : "")}");
                continue;
            }
            var flavor = _engine.Components.Get(requirement.Type, name).Flavor;
            if (requirement.Flavors.Count > 0 && !requirement.Flavors.Contains(flavor, StringComparer.OrdinalIgnoreCase))
                problems.Add($"the {requirement.Type} '{name}' is {flavor}, not {string.Join(" or ", requirement.Flavors)}");
        }
        return problems.Count == 0 ? null : $"stack '{stack.Name}' does not satisfy pipeline '{pipeline.Name}': {string.Join("; ", problems)}.";
    }

    private string? StackProblems(Stack stack, SecretValidation secrets, bool verifyConnectors)
    {
        var result = _engine.Stacks.Test(stack.Name, secrets);
        var problems = result.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.Message).ToList();
        if (verifyConnectors)
            foreach (var (type, name) in stack.Components)
            {
                var component = _engine.Components.Get(type, name);
                if (component.Connector is not { } link) continue;
                try
                {
                    var resourceType = new Flavors.FlavorCatalog(_engine.View()).Find(type, component.Flavor)?.Connector?.ResourceType;
                    problems.AddRange(_engine.Connectors.Verify(link.Name, resourceType, link.ResourceId).Where(r => !r.Success)
                        .Select(r => $"the {type} '{name}''s connector '{link.Name}' fails verification ({r.ResourceType}: {r.Error})"));
                }
                catch (StackOpsException e) { problems.Add($"the {type} '{name}''s connector '{link.Name}': {e.Message}"); }
            }
        return problems.Count == 0 ? null : $"stack '{stack.Name}' is not ready: {string.Join(" ", problems)}";
    }

    /// <summary>A ref pattern: * matches within a path segment, ** across segments (refs/tags/v*, refs/heads/release/**).</summary>
    internal static bool RefMatches(string pattern, string reference) =>
        Regex.IsMatch(reference, "^" + Regex.Escape(pattern).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*") + "$", RegexOptions.CultureInvariant);

    /// <summary>Step 5: the image, by digest, from the source stack's registry to the target's; returns the target reference.</summary>
    private string? CopyImage((Pipeline Pipeline, PipelineVersion Version, Lifecycle Lifecycle, LifecycleStage From, LifecycleStage To) subject, out PromotionStep step)
    {
        var (pipeline, version, _, source, target) = subject;
        try
        {
            using var from = _engine.Pipelines.Registry(_engine.Stacks.Get(source.Stack), pipeline);
            using var to = _engine.Pipelines.Registry(_engine.Stacks.Get(target.Stack), pipeline);
            ImageCopyProgress? latest = null;
            var copy = new ImageCopy(from.Client, from.Repository, to.Client, to.Repository, new SynchronousProgress(p => Volatile.Write(ref latest, p)));
            var task = copy.CopyAsync(version.ImageDigest, CancellationToken.None, tag: version.Version);
            var activity = $"Promoting {pipeline.Name} {version.Version} to '{target.Name}'";
            // Progress is reported from this thread: hosts (PowerShell) accept it only here.
            while (!task.Wait(TimeSpan.FromMilliseconds(200)))
                if (Volatile.Read(ref latest) is { } now)
                    _engine.Messages.Progress(activity, $"{now.BlobsDone} of {now.BlobsTotal} blobs, {now.BytesDone / 1048576.0:0.0} MB copied", now.BlobsTotal == 0 ? -1 : 100 * now.BlobsDone / now.BlobsTotal);
            var result = task.GetAwaiter().GetResult();
            _engine.Messages.Progress(activity, "done", 100);
            var image = to.Reference(version.ImageDigest);
            step = new PromotionStep("image", StepOutcome.Passed,
                $"{image}, tagged {version.Version}: {result.BlobsCopied} blob(s) copied ({result.BytesCopied / 1048576.0:0.0} MB), {result.BlobsMounted} mounted, {result.BlobsSkipped} already there; {result.Manifests} manifest(s) pushed, digest checked",
                _engine.Clock.GetUtcNow());
            return image;
        }
        catch (Exception e) when (e is RegistryException or HttpRequestException or OperationCanceledException or StackOpsException or AggregateException)
        {
            var reason = e is AggregateException aggregate ? aggregate.InnerExceptions[0] : e;
            step = new PromotionStep("image", StepOutcome.Failed, SecretMasker.Shared.Apply($"the image could not be copied from stack '{source.Stack}' to stack '{target.Stack}': {Describe(reason)}"), _engine.Clock.GetUtcNow());
            return null;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        HttpRequestException { InnerException: { } inner } => $"{e.Message.TrimEnd('.')} ({inner.Message})",
        OperationCanceledException => "a registry did not answer in time",
        _ => e.Message,
    };

    /// <summary>Step 6: the run step, with the target stack's resolved configuration in its environment.</summary>
    private PromotionStep RunStep((Pipeline Pipeline, PipelineVersion Version, Lifecycle Lifecycle, LifecycleStage From, LifecycleStage To) subject, string image, Func<RunContext, RunResult>? run)
    {
        var now = _engine.Clock.GetUtcNow();
        if (run is null && subject.Pipeline.Command.Count > 0) return OrchestratorRun(subject);
        if (run is null) return new PromotionStep("run", StepOutcome.Skipped, "no run step", now);
        try
        {
            var environment = _engine.Runs.Environment(subject.Pipeline, subject.Version, subject.To.Stack, subject.To.Name, image);
            var result = run(new RunContext(subject.To.Stack, image, environment));
            return new PromotionStep("run", result.Succeeded ? StepOutcome.Passed : StepOutcome.Failed, SecretMasker.Shared.Apply(result.Message), _engine.Clock.GetUtcNow());
        }
        catch (StackOpsException e)
        {
            return new PromotionStep("run", StepOutcome.Failed, SecretMasker.Shared.Apply(e.Message), _engine.Clock.GetUtcNow());
        }
    }

    /// <summary>The run step as the pipeline declares it: its command on the target stack's orchestrator, the log shown once it has finished.</summary>
    private PromotionStep OrchestratorRun((Pipeline Pipeline, PipelineVersion Version, Lifecycle Lifecycle, LifecycleStage From, LifecycleStage To) subject)
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            var result = _engine.Runs.Start(subject.Pipeline.Name, subject.Version.Version, subject.To.Stack, [], log.Enqueue, CancellationToken.None, subject.To.Name).GetAwaiter().GetResult();
            return new PromotionStep("run", result.Succeeded ? StepOutcome.Passed : StepOutcome.Failed, result.Url is null ? result.Message : $"{result.Message} ({result.Url})", _engine.Clock.GetUtcNow());
        }
        catch (StackOpsException e)
        {
            return new PromotionStep("run", StepOutcome.Failed, SecretMasker.Shared.Apply(e.Message), _engine.Clock.GetUtcNow());
        }
        finally
        {
            foreach (var line in log) _engine.Messages.Verbose($"run: {line}");
        }
    }

    /// <summary>Progress delivered on the reporting thread, unlike Progress&lt;T&gt;, which posts to a context.</summary>
    private sealed class SynchronousProgress(Action<ImageCopyProgress> report) : IProgress<ImageCopyProgress>
    {
        public void Report(ImageCopyProgress value) => report(value);
    }
}
