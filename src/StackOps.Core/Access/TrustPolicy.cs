using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Pipelines;

namespace StackOps.Core.Access;

/// <summary>
/// Which CI jobs may act as a principal without a stored key: a job whose OIDC token (GitHub
/// Actions' by default) comes from this issuer, for this repository, and where given from this
/// environment, one of these refs (refs/tags/v*, refs/heads/release/**) and this workflow
/// (job_workflow_ref). A production stage's promoter is a service account that only a job of the
/// production environment, on a release ref, can act as.
/// </summary>
public sealed record TrustPolicy(string Name, string Issuer, string Principal, string Repository, string? Environment, IReadOnlyList<string> Refs, string? Workflow)
{
    public const string GitHubActionsIssuer = "https://token.actions.githubusercontent.com";

    /// <summary>Whether a token's claims satisfy every condition of the policy.</summary>
    public bool Matches(string issuer, IReadOnlyDictionary<string, string> claims)
    {
        string? Claim(string name) => claims.TryGetValue(name, out var value) ? value : null;
        return string.Equals(issuer.TrimEnd('/'), Issuer.TrimEnd('/'), StringComparison.Ordinal)
               && string.Equals(Claim("repository"), Repository, StringComparison.OrdinalIgnoreCase)
               && (Environment is null || string.Equals(Claim("environment"), Environment, StringComparison.OrdinalIgnoreCase))
               && (Refs.Count == 0 || Claim("ref") is { } reference && Refs.Any(p => PromotionService.RefMatches(p, reference)))
               && (Workflow is null || Claim("job_workflow_ref") is { } workflow && PromotionService.RefMatches(Workflow, workflow));
    }

    public static TrustPolicy Validate(TrustPolicy policy)
    {
        NameRules.Validate("TrustPolicy", policy.Name);
        if (!Uri.TryCreate(policy.Issuer, UriKind.Absolute, out var issuer) || issuer.Scheme != "https" && !issuer.IsLoopback)
            throw new StackOpsException("InvalidTrustPolicy", ErrorKind.InvalidArgument,
                $"'{Fail.Printable(policy.Issuer)}' is not an OIDC issuer: give its https:// URL ({GitHubActionsIssuer} for GitHub Actions).", policy.Name);
        if (policy.Repository.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            throw new StackOpsException("InvalidTrustPolicy", ErrorKind.InvalidArgument,
                $"'{Fail.Printable(policy.Repository)}' is not a repository: give OWNER/NAME, the repository whose jobs may act as '{policy.Principal}'.", policy.Name);
        return policy;
    }

    public override string ToString() =>
        $"{Repository}{(Environment is null ? "" : $" environment {Environment}")}{(Refs.Count == 0 ? "" : $" on {string.Join(", ", Refs)}")} → {Principal}";
}
