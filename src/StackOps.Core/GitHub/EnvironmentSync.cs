using StackOps.Core.Errors;
using StackOps.Core.Pipelines;
using StackOps.Core.Secrets;

namespace StackOps.Core.GitHub;

/// <summary>
/// One way a GitHub environment differs from the lifecycle stage it guards (or the CODEOWNERS block
/// from the store): its own error id, the setting, what the lifecycle wants and what GitHub has.
/// </summary>
public sealed record EnvironmentDrift(string Stage, string Environment, string Id, string Setting, string Expected, string Actual)
{
    public override string ToString() => $"{Environment}: {Setting} is {Actual}, the lifecycle wants {Expected}";
}

/// <summary>
/// Makes each stage's GitHub environment what the lifecycle says, so that GitHub enforces the gates
/// StackOps records: required reviewers (the approvals gate's approvers, users by login and teams
/// as ORG/SLUG, resolved to ids), prevent self-review (unless the gate allows self-approval), custom
/// deployment branch and tag policies from allowed refs, a wait timer from the soak time (GitHub
/// allows up to 30 days), and the environment secrets the stage's stack refers to, sealed with the
/// environment's public key. Stages without an environment are left alone. Reading and writing
/// are separate: <see cref="Test"/> reports every drift, <see cref="Apply"/> makes only the changes
/// the drifts call for, so a second run changes nothing.
/// </summary>
public sealed class EnvironmentSync(StackOpsEngine engine, GitHubApi api, GitHubRepository repository)
{
    /// <summary>GitHub's longest wait timer: 30 days.</summary>
    public const int MaximumWaitTimerMinutes = 43200;

    /// <summary>What a stage's environment should be.</summary>
    private sealed record Wanted(LifecycleStage Stage, string Environment, IReadOnlyList<string>? Reviewers, bool PreventSelfReview, int WaitTimer,
        IReadOnlyList<(string Name, string Type)> BranchPolicies, IReadOnlyDictionary<string, (string Secret, string Key)> Secrets);

    /// <summary>What GitHub has: the protection (null when the environment is missing), its custom policies, its secrets' names.</summary>
    private sealed record Current(EnvironmentProtection? Protection, IReadOnlyList<(long Id, string Name, string Type)> Policies, IReadOnlyList<string> Secrets);

    /// <summary>Every drift of the stages' environments (all, or the one named).</summary>
    public IReadOnlyList<EnvironmentDrift> Test(string? stage = null) => Wants(stage).SelectMany(w => Drifts(w, Read(w))).ToList();

    /// <summary>
    /// Changes GitHub where it differs, one environment at a time, each only if <paramref name="shouldChange"/>
    /// (environment, description of the change) agrees; returns the drifts it removed.
    /// </summary>
    public IReadOnlyList<EnvironmentDrift> Apply(string? stage, Func<string, string, bool> shouldChange)
    {
        var applied = new List<EnvironmentDrift>();
        foreach (var wanted in Wants(stage))
        {
            var current = Read(wanted);
            var drifts = Drifts(wanted, current).ToList();
            if (drifts.Count == 0 || !shouldChange(wanted.Environment, string.Join("; ", drifts.Select(d => $"{d.Setting}: {d.Actual} → {d.Expected}")))) continue;
            var doing = $"updating the environment '{wanted.Environment}' of {repository}";
            if (drifts.Any(d => d.Id != "EnvironmentSecretMissing"))
            {
                var reviewers = (wanted.Reviewers ?? current.Protection?.Reviewers.Select(FromGitHub).ToList() ?? []).Select(r => Reviewer(wanted, r)).ToList();
                GitHubApi.Wait(api.PutEnvironmentAsync(repository, wanted.Environment, wanted.WaitTimer, wanted.PreventSelfReview, reviewers, wanted.BranchPolicies.Count > 0), doing);
            }
            if (wanted.BranchPolicies.Count > 0 && drifts.Any(d => d.Id is "EnvironmentBranchPolicyDiffers" or "EnvironmentMissing"))
            {
                // Policies were read only if custom ones were on; ones kept from before they were turned on are read now.
                var policies = current.Protection is { CustomBranchPolicies: true } ? current.Policies : GitHubApi.Wait(api.BranchPoliciesAsync(repository, wanted.Environment), doing);
                foreach (var extra in policies.Where(p => !wanted.BranchPolicies.Contains((p.Name, p.Type))))
                    GitHubApi.Wait(api.DeleteBranchPolicyAsync(repository, wanted.Environment, extra.Id), doing);
                foreach (var missing in wanted.BranchPolicies.Where(w => !policies.Any(p => (p.Name, p.Type) == w)))
                    GitHubApi.Wait(api.AddBranchPolicyAsync(repository, wanted.Environment, missing.Name, missing.Type), doing);
            }
            foreach (var drift in drifts.Where(d => d.Id == "EnvironmentSecretMissing"))
            {
                var (secret, key) = wanted.Secrets[drift.Expected];
                var stored = engine.Secrets.Get(secret);
                var value = SecretService.KeyOf(stored, key) is { } found ? stored.Values[found] : throw new StackOpsException("SecretKeyMissing", ErrorKind.NotFound,
                    $"The secret '{secret}' has no key '{key}', which the stack '{wanted.Stage.Stack}' refers to: add it with Set-StackSecret {secret} before syncing the environment '{wanted.Environment}'.", secret);
                GitHubApi.Wait(api.PutEnvironmentSecretAsync(repository, wanted.Environment, drift.Expected, value), $"setting the secret {drift.Expected} of the environment '{wanted.Environment}'");
            }
            engine.Messages.Verbose($"The environment '{wanted.Environment}' of {repository} now matches the stage '{wanted.Stage.Name}'.");
            applied.AddRange(drifts);
        }
        return applied;
    }

    /// <summary>A reviewer's type and id; one GitHub does not know is GitHubReviewerUnknown, naming the stage whose gate lists it.</summary>
    private (string Type, long Id) Reviewer(Wanted wanted, string reviewer)
    {
        async Task<(string, long)?> Find()
        {
            try { return await api.ReviewerAsync(reviewer); }
            catch (Octokit.NotFoundException) { return null; }
        }
        return GitHubApi.Wait(Find(), $"looking up the reviewer '{reviewer}'") ?? throw new StackOpsException("GitHubReviewerUnknown", ErrorKind.NotFound,
            $"The approver '{Fail.Printable(reviewer)}' of the stage '{wanted.Stage.Name}' is not a GitHub user or team of {repository.Owner}: list GitHub logins and teams (ORG/SLUG) in its approvals gate's 'from' (Set-StackLifecycle).", reviewer);
    }

    /// <summary>An approver as GitHub lists a reviewer: a login, or team:SLUG for ORG/SLUG.</summary>
    private static string ToGitHub(string approver) => approver.Split('/') is [_, var slug] ? $"team:{slug}" : approver;

    /// <summary>A reviewer GitHub lists, as an approver: a login, or ORG/SLUG (teams belong to the repository's owner).</summary>
    private string FromGitHub(string reviewer) => reviewer.StartsWith("team:", StringComparison.Ordinal) ? $"{repository.Owner}/{reviewer[5..]}" : reviewer;

    private IEnumerable<Wanted> Wants(string? stage)
    {
        var lifecycle = engine.Pipelines.Lifecycle();
        var stages = stage is null ? lifecycle.Stages : [engine.Pipelines.Stage(lifecycle, stage)];
        if (stage is not null && stages is [{ Environment: null } alone])
            throw new StackOpsException("StageWithoutEnvironment", ErrorKind.InvalidArgument,
                $"The stage '{alone.Name}' names no GitHub environment: give it one (environment: NAME) with Set-StackLifecycle, or leave out -Stage.", alone.Name);
        foreach (var each in stages.Where(s => s.Environment is not null))
        {
            var gates = each.Gates;
            var reviewers = gates.Approvals is null ? [] : gates.Approvals.Approvers.Count > 0 ? gates.Approvals.Approvers : null;
            var waitTimer = gates.SoakTime is { } soak ? (int)Math.Min(MaximumWaitTimerMinutes, Math.Ceiling(soak.TotalMinutes)) : 0;
            var secrets = engine.Secrets.References(each.Stack)
                .GroupBy(u => EnvironmentSecretBackend.VariableName(u.Reference.SecretName, u.Reference.Key))
                .ToDictionary(g => g.Key, g => (g.First().Reference.SecretName, g.First().Reference.Key));
            yield return new Wanted(each, each.Environment!, reviewers, gates.Approvals is { AllowSelfApproval: false }, waitTimer, BranchPolicies(each), secrets);
        }
    }

    /// <summary>Allowed refs as GitHub's deployment policies: refs/heads/X is the branch pattern X, refs/tags/X the tag pattern X.</summary>
    private IReadOnlyList<(string Name, string Type)> BranchPolicies(LifecycleStage stage)
    {
        var policies = new List<(string, string)>();
        foreach (var pattern in stage.Gates.AllowedRefs)
        {
            if (pattern.StartsWith("refs/heads/", StringComparison.Ordinal)) policies.Add((pattern[11..], "branch"));
            else if (pattern.StartsWith("refs/tags/", StringComparison.Ordinal)) policies.Add((pattern[10..], "tag"));
            else
                throw new StackOpsException("AllowedRefNotExpressible", ErrorKind.InvalidData,
                    $"The stage '{stage.Name}' allows the ref '{pattern}', which a GitHub deployment policy cannot name (only refs/heads/... and refs/tags/...). Change its allowedRefs with Set-StackLifecycle.", stage.Name);
        }
        return policies;
    }

    private Current Read(Wanted wanted)
    {
        var doing = $"reading the environment '{wanted.Environment}' of {repository}";
        var protection = GitHubApi.Wait(api.ProtectionAsync(repository, wanted.Environment), doing);
        if (protection is null) return new Current(null, [], []);
        var policies = protection.CustomBranchPolicies ? GitHubApi.Wait(api.BranchPoliciesAsync(repository, wanted.Environment), doing) : [];
        var secrets = wanted.Secrets.Count > 0 ? GitHubApi.Wait(api.EnvironmentSecretsAsync(repository, wanted.Environment), doing) : [];
        return new Current(protection, policies, secrets);
    }

    private IEnumerable<EnvironmentDrift> Drifts(Wanted wanted, Current current)
    {
        EnvironmentDrift Drift(string id, string setting, string expected, string actual) => new(wanted.Stage.Name, wanted.Environment, id, setting, expected, actual);
        static string List(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "none";
        var (protection, policies, secrets) = current;
        if (protection is null)
        {
            yield return Drift("EnvironmentMissing", "environment", "present", "missing");
            foreach (var name in wanted.Secrets.Keys.Order(StringComparer.Ordinal)) yield return Drift("EnvironmentSecretMissing", "secret", name, "missing");
            yield break;
        }
        if (wanted.Reviewers is { } reviewers)
        {
            var expected = reviewers.Select(ToGitHub).Order(StringComparer.OrdinalIgnoreCase).ToList();
            var actual = protection.Reviewers.Order(StringComparer.OrdinalIgnoreCase).ToList();
            if (!expected.SequenceEqual(actual, StringComparer.OrdinalIgnoreCase))
                yield return Drift("EnvironmentReviewersDiffer", "required reviewers", List(reviewers), List(protection.Reviewers));
        }
        if (protection.PreventSelfReview != wanted.PreventSelfReview && (wanted.PreventSelfReview || protection.Reviewers.Count > 0))
            yield return Drift("EnvironmentSelfReviewDiffers", "prevent self-review", wanted.PreventSelfReview ? "on" : "off", protection.PreventSelfReview ? "on" : "off");
        if (protection.WaitTimerMinutes != wanted.WaitTimer)
            yield return Drift("EnvironmentWaitTimerDiffers", "wait timer", $"{wanted.WaitTimer} minutes", $"{protection.WaitTimerMinutes} minutes");
        var actualPolicies = !protection.HasBranchPolicy ? "any ref" : !protection.CustomBranchPolicies ? "protected branches"
            : List(policies.Select(p => $"{p.Type} {p.Name}").Order(StringComparer.Ordinal));
        var expectedPolicies = wanted.BranchPolicies.Count == 0 ? "any ref" : List(wanted.BranchPolicies.Select(p => $"{p.Type} {p.Name}").Order(StringComparer.Ordinal));
        if (actualPolicies != expectedPolicies) yield return Drift("EnvironmentBranchPolicyDiffers", "deployment refs", expectedPolicies, actualPolicies);
        foreach (var name in wanted.Secrets.Keys.Where(n => !secrets.Contains(n, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
            yield return Drift("EnvironmentSecretMissing", "secret", name, "missing");
    }
}
