using System.Net;
using System.Text.Json;
using Octokit;
using Octokit.Internal;
using StackOps.Core.Connectors.Providers;
using StackOps.Core.Errors;

namespace StackOps.Core.GitHub;

/// <summary>A repository on GitHub (or an Enterprise Server): owner and name.</summary>
public sealed record GitHubRepository(string Owner, string Name)
{
    public static GitHubRepository Parse(string text)
    {
        var parts = text.Trim().Split('/');
        return parts.Length == 2 && parts.All(p => p.Length > 0 && p.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'))
            ? new GitHubRepository(parts[0], parts[1])
            : throw new StackOpsException("InvalidGitHubRepository", ErrorKind.InvalidArgument, $"'{Fail.Printable(text)}' is not a GitHub repository: give OWNER/NAME.", text);
    }

    public override string ToString() => $"{Owner}/{Name}";
}

/// <summary>
/// How a GitHub environment is protected, as its protection rules say: reviewers as logins (teams as
/// team:SLUG), and the deployment branch policy (none, protected branches, or custom policies).
/// </summary>
public sealed record EnvironmentProtection(string Environment, long Id, IReadOnlyList<string> Reviewers, bool PreventSelfReview, int WaitTimerMinutes, bool HasBranchPolicy,
    bool CustomBranchPolicies = false)
{
    public bool RequiresReviewers => Reviewers.Count > 0;
}

/// <summary>A run waiting for an environment's approval.</summary>
public sealed record PendingRun(string Repository, long RunId, string RunName, string Actor, string Environment, long EnvironmentId, DateTimeOffset CreatedAt, bool CurrentUserCanApprove, string Url);

/// <summary>An approval (or rejection) of a run for its environments, as GitHub's run approvals API lists it.</summary>
public sealed record RunApproval(string User, bool Approved, string? Comment, IReadOnlyList<string> Environments);

/// <summary>
/// The GitHub REST API through Octokit: at $env:GITHUB_API_URL (GitHub Enterprise Server) or
/// api.github.com, with a user agent, retries with back-off on 5xx answers and rate limits, and raw
/// calls (ApiConnection) where Octokit has no wrapper: environments with protection rules, pending
/// deployments, run approvals, and filtered deployment lists.
/// </summary>
public sealed class GitHubApi
{
    public const string ApiUrlVariable = GitHubProvider.ApiUrlVariable;
    private const string Accept = "application/vnd.github+json";

    public GitHubApi(string token, string? apiUrl = null, TimeSpan? retryDelay = null)
    {
        Secrets.SecretMasker.Shared.Register(token);
        var connection = new Connection(new ProductHeaderValue("StackOps", typeof(GitHubApi).Assembly.GetName().Version?.ToString(3)), GitHubProvider.ApiUrl(apiUrl),
            new InMemoryCredentialStore(new Credentials(token)), new HttpClientAdapter(() => new RetryHandler(new SocketsHttpHandler(), retryDelay ?? TimeSpan.FromSeconds(1))),
            new SimpleJsonSerializer());
        Client = new GitHubClient(connection);
        Client.SetRequestTimeout(TimeSpan.FromSeconds(30));
    }

    public GitHubClient Client { get; }

    /// <summary>The token the environment gives: $env:GITHUB_TOKEN (a job's), else $env:GH_TOKEN (the gh CLI's).</summary>
    public static string? TokenFromEnvironment() =>
        Environment.GetEnvironmentVariable("GITHUB_TOKEN") is { Length: > 0 } job ? job
        : Environment.GetEnvironmentVariable("GH_TOKEN") is { Length: > 0 } cli ? cli : null;

    /// <summary>Waits for a GitHub call; a failure becomes an error that says what GitHub answered and what to do.</summary>
    public static T Wait<T>(Task<T> call, string doing)
    {
        try { return call.GetAwaiter().GetResult(); }
        catch (ApiException e)
        {
            var status = (int)e.StatusCode;
            var hint = status switch
            {
                401 => "the token is not valid (expired or revoked): give github-token, or set $env:GITHUB_TOKEN",
                403 => "the token may not do this: the job needs permissions deployments: write and actions: read, a console user needs repo scope (and to be a required reviewer to review)",
                404 => "the repository, run or environment does not exist, or the token cannot see it",
                422 => "GitHub refused the request's content",
                _ => "GitHub is failing; try again later",
            };
            throw new StackOpsException("GitHubRequestFailed", status is 401 or 403 ? ErrorKind.SecurityError : ErrorKind.InvalidOperation,
                $"GitHub answered {status} ({Fail.Printable(e.ApiError?.Message ?? e.Message)}) when {doing}: {hint}.", doing);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            throw new StackOpsException("GitHubUnreachable", ErrorKind.InvalidOperation,
                $"GitHub could not be reached when {doing} ({Fail.Printable(e.Message)}): check {ApiUrlVariable} and the network, then run again.", doing);
        }
    }

    /// <summary>Waits for a GitHub call that answers nothing to keep, as <see cref="Wait{T}"/> does.</summary>
    public static void Wait(Task call, string doing) => Wait(Completed(call), doing);

    private static async Task<bool> Completed(Task call)
    {
        await call;
        return true;
    }

    public async Task<JsonElement> GetAsync(string path, IDictionary<string, string>? parameters = null)
    {
        var response = await Client.Connection.Get<object>(new Uri(path, UriKind.Relative), parameters ?? new Dictionary<string, string>(), Accept);
        return Parse(response.HttpResponse);
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        var response = await Client.Connection.Post<object>(new Uri(path, UriKind.Relative), body, Accept, "application/json", (IDictionary<string, string>?)null, CancellationToken.None);
        return Parse(response.HttpResponse);
    }

    private static JsonElement Parse(IResponse response) =>
        JsonDocument.Parse(response.Body as string ?? JsonSerializer.Serialize(response.Body)).RootElement.Clone();

    /// <summary>An environment's protection rules (GET /repos/{owner}/{repo}/environments/{name}).</summary>
    public async Task<EnvironmentProtection?> ProtectionAsync(GitHubRepository repository, string environment)
    {
        JsonElement body;
        try { body = await GetAsync($"repos/{repository}/environments/{Uri.EscapeDataString(environment)}"); }
        catch (NotFoundException) { return null; }
        var reviewers = new List<string>();
        var (preventSelfReview, waitTimer, branchPolicy) = (false, 0, body.TryGetProperty("deployment_branch_policy", out var policy) && policy.ValueKind == JsonValueKind.Object);
        var custom = branchPolicy && policy.TryGetProperty("custom_branch_policies", out var customPolicies) && customPolicies.ValueKind == JsonValueKind.True;
        foreach (var rule in body.TryGetProperty("protection_rules", out var rules) ? rules.EnumerateArray() : default)
        {
            switch (rule.GetProperty("type").GetString())
            {
                case "required_reviewers":
                    preventSelfReview = rule.TryGetProperty("prevent_self_review", out var prevent) && prevent.ValueKind == JsonValueKind.True;
                    foreach (var reviewer in rule.TryGetProperty("reviewers", out var list) ? list.EnumerateArray() : default)
                        if (reviewer.TryGetProperty("reviewer", out var who))
                            reviewers.Add(who.TryGetProperty("login", out var login) ? login.GetString()! : who.TryGetProperty("slug", out var slug) ? $"team:{slug.GetString()}" : "?");
                    break;
                case "wait_timer":
                    waitTimer = rule.TryGetProperty("wait_timer", out var minutes) ? minutes.GetInt32() : 0;
                    break;
            }
        }
        return new EnvironmentProtection(environment, body.GetProperty("id").GetInt64(), reviewers, preventSelfReview, waitTimer, branchPolicy, custom);
    }

    public async Task<JsonElement> PutAsync(string path, object body)
    {
        var response = await Client.Connection.Put<object>(new Uri(path, UriKind.Relative), body);
        return response.HttpResponse.Body is null or "" ? default : Parse(response.HttpResponse);
    }

    public Task DeleteAsync(string path) => Client.Connection.Delete(new Uri(path, UriKind.Relative));

    private static string EnvironmentPath(GitHubRepository repository, string environment) => $"repos/{repository}/environments/{Uri.EscapeDataString(environment)}";

    /// <summary>Creates or updates an environment's protection (PUT /repos/{owner}/{repo}/environments/{name}): reviewers by type and id, custom branch policies or none.</summary>
    public Task PutEnvironmentAsync(GitHubRepository repository, string environment, int waitTimer, bool preventSelfReview,
        IReadOnlyList<(string Type, long Id)> reviewers, bool customBranchPolicies) =>
        // Serialized here: Octokit's serializer leaves out nulls, and a null deployment_branch_policy is how GitHub is told "any ref".
        PutAsync(EnvironmentPath(repository, environment), JsonSerializer.Serialize(new
        {
            wait_timer = waitTimer, prevent_self_review = preventSelfReview,
            reviewers = reviewers.Select(r => new { type = r.Type, id = r.Id }).ToArray(),
            deployment_branch_policy = customBranchPolicies ? new { protected_branches = false, custom_branch_policies = true } : null,
        }));

    /// <summary>An environment's custom deployment branch and tag policies: id, name pattern, type (branch or tag).</summary>
    public async Task<IReadOnlyList<(long Id, string Name, string Type)>> BranchPoliciesAsync(GitHubRepository repository, string environment)
    {
        var body = await GetAsync($"{EnvironmentPath(repository, environment)}/deployment-branch-policies", new Dictionary<string, string> { ["per_page"] = "100" });
        return body.GetProperty("branch_policies").EnumerateArray()
            .Select(p => (p.GetProperty("id").GetInt64(), p.GetProperty("name").GetString()!, p.TryGetProperty("type", out var type) ? type.GetString()! : "branch")).ToList();
    }

    public Task AddBranchPolicyAsync(GitHubRepository repository, string environment, string name, string type) =>
        PostAsync($"{EnvironmentPath(repository, environment)}/deployment-branch-policies", new { name, type });

    public Task DeleteBranchPolicyAsync(GitHubRepository repository, string environment, long id) =>
        DeleteAsync($"{EnvironmentPath(repository, environment)}/deployment-branch-policies/{id}");

    /// <summary>The names of an environment's secrets (GitHub never gives their values).</summary>
    public async Task<IReadOnlyList<string>> EnvironmentSecretsAsync(GitHubRepository repository, string environment)
    {
        var body = await GetAsync($"{EnvironmentPath(repository, environment)}/secrets", new Dictionary<string, string> { ["per_page"] = "100" });
        return body.GetProperty("secrets").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList();
    }

    /// <summary>
    /// Sets an environment secret: the value sealed (libsodium's sealed box, through Sodium.Core) with the
    /// environment's public key, which only GitHub can open; the value itself is never sent or kept.
    /// </summary>
    public async Task PutEnvironmentSecretAsync(GitHubRepository repository, string environment, string name, string value)
    {
        var key = await GetAsync($"{EnvironmentPath(repository, environment)}/secrets/public-key");
        var sealedValue = Sodium.SealedPublicKeyBox.Create(System.Text.Encoding.UTF8.GetBytes(value), Convert.FromBase64String(key.GetProperty("key").GetString()!));
        await PutAsync($"{EnvironmentPath(repository, environment)}/secrets/{Uri.EscapeDataString(name)}",
            new { encrypted_value = Convert.ToBase64String(sealedValue), key_id = key.GetProperty("key_id").GetString() });
    }

    /// <summary>A reviewer's type and id: a user by login, a team by ORG/SLUG.</summary>
    public async Task<(string Type, long Id)> ReviewerAsync(string reviewer)
    {
        var team = reviewer.Split('/');
        var body = team.Length == 2
            ? await GetAsync($"orgs/{Uri.EscapeDataString(team[0])}/teams/{Uri.EscapeDataString(team[1])}")
            : await GetAsync($"users/{Uri.EscapeDataString(reviewer)}");
        return (team.Length == 2 ? "Team" : "User", body.GetProperty("id").GetInt64());
    }

    /// <summary>Who approved (or rejected) a run, per environment (GET /repos/{owner}/{repo}/actions/runs/{id}/approvals).</summary>
    public async Task<IReadOnlyList<RunApproval>> ApprovalsAsync(GitHubRepository repository, long runId)
    {
        var body = await GetAsync($"repos/{repository}/actions/runs/{runId}/approvals");
        return body.EnumerateArray().Select(a => new RunApproval(a.GetProperty("user").GetProperty("login").GetString()!,
            a.GetProperty("state").GetString() == "approved", a.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null,
            a.GetProperty("environments").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList())).ToList();
    }

    /// <summary>Runs waiting for an environment's approval, with the environments they wait for.</summary>
    public async Task<IReadOnlyList<PendingRun>> PendingRunsAsync(GitHubRepository repository)
    {
        var runs = await GetAsync($"repos/{repository}/actions/runs", new Dictionary<string, string> { ["status"] = "waiting", ["per_page"] = "100" });
        var pending = new List<PendingRun>();
        foreach (var run in runs.GetProperty("workflow_runs").EnumerateArray())
        {
            var id = run.GetProperty("id").GetInt64();
            var deployments = await GetAsync($"repos/{repository}/actions/runs/{id}/pending_deployments");
            foreach (var deployment in deployments.EnumerateArray())
            {
                var environment = deployment.GetProperty("environment");
                pending.Add(new PendingRun(repository.ToString(), id, run.TryGetProperty("display_title", out var title) ? title.GetString()! : run.GetProperty("name").GetString()!,
                    run.TryGetProperty("triggering_actor", out var actor) && actor.ValueKind == JsonValueKind.Object ? actor.GetProperty("login").GetString()! : run.GetProperty("actor").GetProperty("login").GetString()!,
                    environment.GetProperty("name").GetString()!, environment.GetProperty("id").GetInt64(), run.GetProperty("created_at").GetDateTimeOffset(),
                    deployment.TryGetProperty("current_user_can_approve", out var can) && can.ValueKind == JsonValueKind.True, run.GetProperty("html_url").GetString()!));
            }
        }
        return pending;
    }

    /// <summary>
    /// Approves or rejects the environments a run waits for (POST …/pending_deployments). The API answers
    /// with an array of deployments; Octokit's wrapper expects one object, so this is a raw call.
    /// </summary>
    public async Task<IReadOnlyList<long>> ReviewAsync(GitHubRepository repository, long runId, IReadOnlyList<long> environmentIds, bool approve, string comment)
    {
        var body = await PostAsync($"repos/{repository}/actions/runs/{runId}/pending_deployments",
            new { environment_ids = environmentIds, state = approve ? "approved" : "rejected", comment });
        return body.ValueKind == JsonValueKind.Array ? body.EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).ToList() : [];
    }

    /// <summary>The deployments of an environment made by StackOps, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> DeploymentsAsync(GitHubRepository repository, string environment) =>
        (await GetAsync($"repos/{repository}/deployments", new Dictionary<string, string> { ["environment"] = environment, ["task"] = GitHubLedger.Task, ["per_page"] = "100" }))
        .EnumerateArray().ToList();

    public async Task<JsonElement?> LatestStatusAsync(GitHubRepository repository, long deploymentId)
    {
        var statuses = await GetAsync($"repos/{repository}/deployments/{deploymentId}/statuses", new Dictionary<string, string> { ["per_page"] = "1" });
        return statuses.GetArrayLength() == 0 ? null : statuses[0];
    }

    /// <summary>
    /// Retries a request that GitHub answered with a server error or a rate limit: after Retry-After when
    /// GitHub says, else after a delay that doubles; three attempts in all.
    /// </summary>
    private sealed class RetryHandler(HttpMessageHandler inner, TimeSpan delay) : DelegatingHandler(inner)
    {
        private const int Attempts = 3;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (attempt == Attempts || !Retryable(response)) return response;
                var wait = response.Headers.RetryAfter?.Delta ?? delay * Math.Pow(2, attempt - 1);
                response.Dispose();
                await Task.Delay(wait < TimeSpan.FromMinutes(1) ? wait : TimeSpan.FromMinutes(1), cancellationToken);
            }
        }

        /// <summary>5xx, 429, and a 403 that is a secondary rate limit (Retry-After, or no requests remaining).</summary>
        private static bool Retryable(HttpResponseMessage response) =>
            (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests
            || (response.StatusCode == HttpStatusCode.Forbidden && (response.Headers.RetryAfter is not null
                || (response.Headers.TryGetValues("x-ratelimit-remaining", out var remaining) && remaining.FirstOrDefault() == "0")));
    }
}
