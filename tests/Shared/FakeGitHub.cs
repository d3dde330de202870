using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StackOps.Tests.Shared;

/// <summary>
/// A loopback server speaking GitHub's REST protocol for the endpoints StackOps uses, under /api/v3
/// as on GitHub Enterprise Server: GET /user and /user/repos with a token; GET /app and
/// /app/installations with an App's RS256 JWT, verified with the App's public key; POST
/// /app/installations/{id}/access_tokens; GET /installation/repositories with the installation token.
/// </summary>
public sealed class FakeGitHub : IDisposable
{
    public const string Token = "ghp_faketesttoken0123456789";
    public const string AppId = "424242";
    public const long InstallationId = 4242;
    public const string Login = "octo-user";

    private readonly RSA _appKey = RSA.Create(2048);
    private int _issued;

    public FakeGitHub(Action<WebApplication>? more = null)
    {
        AppPrivateKeyPem = _appKey.ExportPkcs8PrivateKeyPem();
        Server = new LoopbackServer(app =>
        {
            var api = app.MapGroup("/api/v3");
            api.MapGet("/user", (HttpRequest r) => TokenIs(r, Token) ? Results.Json(new { login = Login, id = 1 }) : BadCredentials());
            api.MapGet("/user/repos", (HttpRequest r) => TokenIs(r, Token) ? Results.Json(Repositories("octo-user/pipelines", "octo-org/training")) : BadCredentials());
            api.MapGet("/app", (HttpRequest r) => ValidJwt(r) is { } problem ? Problem(problem) : Results.Json(new { id = long.Parse(AppId), slug = "stackops-test", name = "StackOps Test" }));
            api.MapGet("/app/installations", (HttpRequest r) => ValidJwt(r) is { } problem ? Problem(problem)
                : Results.Json(new[] { new { id = InstallationId, account = new { login = "octo-org" } } }));
            api.MapPost("/app/installations/{id:long}/access_tokens", (HttpRequest r, long id) =>
            {
                if (ValidJwt(r) is { } problem) return Problem(problem);
                if (id != InstallationId) return Results.Json(new { message = "Not Found" }, statusCode: 404);
                var token = $"ghs_installationtoken{Interlocked.Increment(ref _issued):D4}";
                IssuedTokens.Add(token);
                return Results.Json(new { token, expires_at = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ") }, statusCode: 201);
            });
            api.MapGet("/installation/repositories", (HttpRequest r) => IssuedTokens.Any(t => TokenIs(r, t))
                ? Results.Json(new { total_count = 1, repositories = Repositories("octo-org/training") }) : BadCredentials());
            MapActionsAndDeployments(api);
            more?.Invoke(app);
        });
    }

    public LoopbackServer Server { get; }

    // ---- Deployments, environments and run approvals, for the action -------------------------

    public const string Repository = "octo-org/ml";

    /// <summary>Environments by name: their id, required reviewers (logins) and prevent-self-review.</summary>
    public Dictionary<string, (long Id, string[] Reviewers, bool PreventSelfReview)> Environments { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The deployments created, oldest first, with their statuses (oldest first).</summary>
    public List<FakeDeployment> Deployments { get; } = [];

    /// <summary>The approvals of each run: login, state (approved/rejected), comment, environments.</summary>
    public Dictionary<long, List<(string User, string State, string Comment, string[] Environments)>> Approvals { get; } = [];

    /// <summary>Runs waiting for approval: id, title, actor, environments (name → id).</summary>
    public List<(long Id, string Title, string Actor, Dictionary<string, long> Environments)> WaitingRuns { get; } = [];

    /// <summary>The reviews posted to pending_deployments: run, environment ids, state, comment.</summary>
    public List<(long RunId, long[] EnvironmentIds, string State, string Comment)> Reviews { get; } = [];

    /// <summary>The workflow_dispatch events received: workflow file, ref and inputs (JSON).</summary>
    public List<(string Workflow, string Ref, string Inputs)> Dispatches { get; } = [];

    /// <summary>How dispatched runs end: success or failure; null, they stay in progress.</summary>
    public string? WorkflowConclusion { get; set; } = "success";

    /// <summary>Runs cancelled through the API.</summary>
    public List<long> CancelledRuns { get; } = [];

    private readonly List<(long Id, string Workflow, DateTimeOffset Created)> _dispatchedRuns = [];

    /// <summary>Answers for the next deployment creations instead of creating one: a status, Retry-After seconds, and GitHub's message.</summary>
    public Queue<(int Status, int? RetryAfter, string Message)> DeploymentCreationFailures { get; } = new();

    private object WorkflowRun(long id, DateTimeOffset created) => new
    {
        id, name = "StackOps run", run_number = id - 8999, @event = "workflow_dispatch", head_branch = "main",
        status = CancelledRuns.Contains(id) ? "completed" : WorkflowConclusion is null ? "in_progress" : "completed",
        conclusion = CancelledRuns.Contains(id) ? "cancelled" : WorkflowConclusion,
        html_url = $"https://github.example/{Repository}/actions/runs/{id}", created_at = created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"), updated_at = created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    };

    private void MapActionsAndDeployments(Microsoft.AspNetCore.Routing.RouteGroupBuilder api)
    {
        var repository = api.MapGroup($"/repos/{Repository}");
        repository.AddEndpointFilter(async (context, next) => TokenIs(context.HttpContext.Request, Token) ? await next(context) : BadCredentials());
        repository.MapGet("/environments/{name}", (string name) => Environments.TryGetValue(name, out var environment)
            ? Results.Json(new
            {
                id = environment.Id, name,
                protection_rules = (environment.Reviewers.Length == 0 ? [] : new object[]
                {
                    new { id = 1, type = "required_reviewers", prevent_self_review = environment.PreventSelfReview,
                        reviewers = environment.Reviewers.Select(r => r.StartsWith("team:", StringComparison.Ordinal)
                            ? (object)new { type = "Team", reviewer = new { slug = r[5..], id = IdOf(r) } }
                            : new { type = "User", reviewer = new { login = r, id = IdOf(r) } }).ToArray() },
                }).Concat(WaitTimers.GetValueOrDefault(name) is var minutes and > 0 ? [new { id = 2, type = "wait_timer", wait_timer = minutes }] : []).ToArray(),
                deployment_branch_policy = BranchPolicies.ContainsKey(name) ? new { protected_branches = false, custom_branch_policies = true } : null,
            })
            : Results.Json(new { message = "Not Found" }, statusCode: 404));
        MapEnvironmentAdministration(repository, api);
        repository.MapGet("/deployments", (HttpRequest r) =>
        {
            lock (Deployments)
                return Results.Json(Deployments.Where(d => d.Environment == r.Query["environment"] && d.Task == r.Query["task"]).Reverse().Select(d => d.Json()).ToArray());
        });
        repository.MapPost("/deployments", async (HttpRequest r, CancellationToken _) =>
        {
            if (DeploymentCreationFailures.TryDequeue(out var failure))
            {
                if (failure.RetryAfter is { } seconds) r.HttpContext.Response.Headers.RetryAfter = seconds.ToString();
                return Results.Json(new { message = failure.Message, documentation_url = "https://docs.github.com/rest" }, statusCode: failure.Status);
            }
            var body = (await JsonDocument.ParseAsync(r.Body)).RootElement;
            lock (Deployments)
            {
                var deployment = new FakeDeployment(Deployments.Count + 1001, body.GetProperty("ref").GetString()!, body.GetProperty("environment").GetString()!,
                    body.GetProperty("task").GetString()!, body.GetProperty("payload").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
                    body.GetProperty("auto_merge").GetBoolean(), body.GetProperty("required_contexts").GetArrayLength(), DateTimeOffset.UtcNow);
                Deployments.Add(deployment);
                return Results.Json(deployment.Json(), statusCode: 201);
            }
        });
        repository.MapGet("/deployments/{id:long}/statuses", (long id) =>
        {
            lock (Deployments)
                return Results.Json(Deployments.Single(d => d.Id == id).Statuses.AsEnumerable().Reverse().Select(s => s.Json()).ToArray());
        });
        repository.MapPost("/deployments/{id:long}/statuses", async (long id, HttpRequest r, CancellationToken _) =>
        {
            var body = (await JsonDocument.ParseAsync(r.Body)).RootElement;
            string? Text(string key) => body.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            lock (Deployments)
            {
                var deployment = Deployments.Single(d => d.Id == id);
                var status = new FakeStatus(deployment.Statuses.Count + 1, Text("state")!, Text("log_url"), Text("environment_url"), Text("description"), DateTimeOffset.UtcNow);
                deployment.Statuses.Add(status);
                return Results.Json(status.Json(), statusCode: 201);
            }
        });
        repository.MapPost("/actions/workflows/{workflow}/dispatches", async (string workflow, HttpRequest r, CancellationToken _) =>
        {
            var body = System.Text.Json.JsonDocument.Parse(await new StreamReader(r.Body).ReadToEndAsync()).RootElement;
            lock (_dispatchedRuns)
            {
                Dispatches.Add((workflow, body.GetProperty("ref").GetString()!, body.GetProperty("inputs").GetRawText()));
                _dispatchedRuns.Add((9000 + _dispatchedRuns.Count, workflow, DateTimeOffset.UtcNow));
            }
            return Results.NoContent();
        });
        repository.MapGet("/actions/workflows/{workflow}/runs", (string workflow) =>
        {
            lock (_dispatchedRuns)
            {
                var runs = _dispatchedRuns.Where(d => d.Workflow == workflow).OrderByDescending(d => d.Created).Select(d => WorkflowRun(d.Id, d.Created)).ToArray();
                return Results.Json(new { total_count = runs.Length, workflow_runs = runs });
            }
        });
        repository.MapGet("/actions/runs/{id:long}", (long id) =>
        {
            lock (_dispatchedRuns)
                return _dispatchedRuns.FirstOrDefault(d => d.Id == id) is { Workflow: not null } run ? Results.Json(WorkflowRun(run.Id, run.Created)) : Results.NotFound();
        });
        repository.MapPost("/actions/runs/{id:long}/cancel", (long id) =>
        {
            lock (_dispatchedRuns) CancelledRuns.Add(id);
            return Results.Json(new { }, statusCode: 202);
        });
        repository.MapGet("/actions/runs/{id:long}/approvals", (long id) => Results.Json((Approvals.GetValueOrDefault(id) ?? [])
            .Select(a => new { state = a.State, comment = a.Comment, user = new { login = a.User }, environments = a.Environments.Select(e => new { name = e }).ToArray() }).ToArray()));
        repository.MapGet("/actions/runs", (HttpRequest r) => Results.Json(new
        {
            total_count = WaitingRuns.Count,
            workflow_runs = WaitingRuns.Where(_ => r.Query["status"] == "waiting").Select(w => new
            {
                id = w.Id, name = "Promote training", display_title = w.Title, status = "waiting", html_url = $"https://github.example/{Repository}/actions/runs/{w.Id}",
                created_at = "2026-11-25T08:00:00Z", actor = new { login = w.Actor }, triggering_actor = new { login = w.Actor },
            }).ToArray(),
        }));
        repository.MapGet("/actions/runs/{id:long}/pending_deployments", (long id) => Results.Json(WaitingRuns.Where(w => w.Id == id)
            .SelectMany(w => w.Environments.Select(e => new { environment = new { id = e.Value, name = e.Key }, wait_timer = 0, current_user_can_approve = true, reviewers = Array.Empty<object>() })).ToArray()));
        repository.MapPost("/actions/runs/{id:long}/pending_deployments", async (long id, HttpRequest r, CancellationToken _) =>
        {
            var body = (await JsonDocument.ParseAsync(r.Body)).RootElement;
            var ids = body.GetProperty("environment_ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Reviews.Add((id, ids, body.GetProperty("state").GetString()!, body.GetProperty("comment").GetString()!));
            // The API answers with an array of deployments, one per environment.
            return Results.Json(ids.Select((e, i) => new { id = 9000 + i, environment = WaitingRuns.Single(w => w.Id == id).Environments.Single(p => p.Value == e).Key }).ToArray());
        });
    }
    // ---- Environment administration, for Sync-StackEnvironment ------------------------------------

    /// <summary>Users (logins) and teams (ORG/SLUG) that exist, by id.</summary>
    public Dictionary<string, long> Accounts { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["alice"] = 1001, ["bob"] = 1002, ["carol"] = 1003, [Login] = 1, ["team:platform"] = 2001, ["team:ml-leads"] = 2002,
    };

    /// <summary>Wait timers in minutes, by environment.</summary>
    public Dictionary<string, int> WaitTimers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The custom deployment branch and tag policies of the environments that have them on.</summary>
    public Dictionary<string, List<(long Id, string Name, string Type)>> BranchPolicies { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Environment secrets as set: name → the sealed value as sent (base64).</summary>
    public Dictionary<string, Dictionary<string, string>> EnvironmentSecrets { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every request that changed an environment: method and path.</summary>
    public List<string> EnvironmentWrites { get; } = [];

    /// <summary>The key pair of the environments' secrets: GitHub publishes the public key, keeps the private one.</summary>
    public Sodium.KeyPair SecretsKey { get; } = Sodium.PublicKeyBox.GenerateKeyPair();

    /// <summary>A sealed secret opened with the private key, as GitHub opens it for a job.</summary>
    public string Open(string sealedValue) =>
        Encoding.UTF8.GetString(Sodium.SealedPublicKeyBox.Open(Convert.FromBase64String(sealedValue), SecretsKey.PrivateKey, SecretsKey.PublicKey));

    private long IdOf(string account) => Accounts.TryGetValue(account, out var id) ? id : 0;

    private void MapEnvironmentAdministration(Microsoft.AspNetCore.Routing.RouteGroupBuilder repository, Microsoft.AspNetCore.Routing.RouteGroupBuilder api)
    {
        var notFound = Results.Json(new { message = "Not Found" }, statusCode: 404);
        api.MapGet("/users/{login}", (string login) => Accounts.TryGetValue(login, out var id) && !login.StartsWith("team:") ? Results.Json(new { login, id }) : notFound);
        api.MapGet("/orgs/{org}/teams/{slug}", (string org, string slug) =>
            org == Repository.Split('/')[0] && Accounts.TryGetValue($"team:{slug}", out var id) ? Results.Json(new { slug, id }) : notFound);
        repository.MapPut("/environments/{name}", async (string name, HttpRequest r, CancellationToken _) =>
        {
            lock (EnvironmentWrites) EnvironmentWrites.Add($"PUT {r.Path}");
            var body = JsonDocument.Parse(await new StreamReader(r.Body).ReadToEndAsync()).RootElement;
            var reviewers = body.GetProperty("reviewers").EnumerateArray()
                .Select(v => Accounts.First(a => a.Value == v.GetProperty("id").GetInt64() && a.Key.StartsWith("team:") == (v.GetProperty("type").GetString() == "Team")).Key).ToArray();
            var id = Environments.TryGetValue(name, out var existing) ? existing.Id : 9000 + Environments.Count;
            Environments[name] = (id, reviewers, body.GetProperty("prevent_self_review").GetBoolean());
            WaitTimers[name] = body.GetProperty("wait_timer").GetInt32();
            if (body.GetProperty("deployment_branch_policy").ValueKind == JsonValueKind.Null) BranchPolicies.Remove(name);
            else BranchPolicies.TryAdd(name, []);
            return Results.Json(new { id, name });
        });
        repository.MapGet("/environments/{name}/deployment-branch-policies", (string name) => BranchPolicies.TryGetValue(name, out var policies)
            ? Results.Json(new { total_count = policies.Count, branch_policies = policies.Select(p => new { id = p.Id, name = p.Name, type = p.Type }) })
            : notFound);
        repository.MapPost("/environments/{name}/deployment-branch-policies", async (string name, HttpRequest r, CancellationToken _) =>
        {
            if (!BranchPolicies.TryGetValue(name, out var policies)) return notFound;
            lock (EnvironmentWrites) EnvironmentWrites.Add($"POST {r.Path}");
            var body = JsonDocument.Parse(await new StreamReader(r.Body).ReadToEndAsync()).RootElement;
            var policy = (Id: 300L + policies.Count, Name: body.GetProperty("name").GetString()!, Type: body.GetProperty("type").GetString()!);
            policies.Add(policy);
            return Results.Json(new { id = policy.Id, name = policy.Name, type = policy.Type });
        });
        repository.MapDelete("/environments/{name}/deployment-branch-policies/{id:long}", (string name, long id, HttpRequest r) =>
        {
            if (!BranchPolicies.TryGetValue(name, out var policies) || policies.RemoveAll(p => p.Id == id) == 0) return notFound;
            lock (EnvironmentWrites) EnvironmentWrites.Add($"DELETE {r.Path}");
            return Results.NoContent();
        });
        repository.MapGet("/environments/{name}/secrets", (string name) => Environments.ContainsKey(name)
            ? Results.Json(new
            {
                total_count = EnvironmentSecrets.GetValueOrDefault(name)?.Count ?? 0,
                secrets = (EnvironmentSecrets.GetValueOrDefault(name) ?? []).Keys.Select(k => new { name = k, created_at = "2026-01-01T00:00:00Z", updated_at = "2026-01-01T00:00:00Z" }),
            })
            : notFound);
        repository.MapGet("/environments/{name}/secrets/public-key", (string name) => Environments.ContainsKey(name)
            ? Results.Json(new { key_id = "568250167242549743", key = Convert.ToBase64String(SecretsKey.PublicKey) }) : notFound);
        repository.MapPut("/environments/{name}/secrets/{secret}", async (string name, string secret, HttpRequest r, CancellationToken _) =>
        {
            if (!Environments.ContainsKey(name)) return notFound;
            lock (EnvironmentWrites) EnvironmentWrites.Add($"PUT {r.Path}");
            var body = JsonDocument.Parse(await new StreamReader(r.Body).ReadToEndAsync()).RootElement;
            if (body.GetProperty("key_id").GetString() != "568250167242549743") return Results.Json(new { message = "Bad key id" }, statusCode: 422);
            (EnvironmentSecrets.TryGetValue(name, out var secrets) ? secrets : EnvironmentSecrets[name] = [])[secret] = body.GetProperty("encrypted_value").GetString()!;
            return Results.StatusCode(201);
        });
    }

    /// <summary>The API's address exactly as a runner on GitHub Enterprise Server sets GITHUB_API_URL: https://HOST/api/v3, no trailing slash.</summary>
    public string ApiUrl => new Uri(Server.BaseAddress, "api/v3").ToString();
    public string AppPrivateKeyPem { get; }
    public List<string> IssuedTokens { get; } = [];

    private static object[] Repositories(params string[] fullNames) =>
        fullNames.Select((n, i) => (object)new { id = i + 1, name = n.Split('/')[1], full_name = n, owner = new { login = n.Split('/')[0] }, @private = true }).ToArray();

    private static bool TokenIs(HttpRequest request, string token) =>
        request.Headers.Authorization.ToString() is var header && (header == $"token {token}" || header == $"Token {token}" || header == $"Bearer {token}");

    private static IResult BadCredentials() => Results.Json(new { message = "Bad credentials", documentation_url = "https://docs.github.com/rest" }, statusCode: 401);

    private static IResult Problem(string message) => Results.Json(new { message }, statusCode: 401);

    /// <summary>Null when the request carries a JWT signed with the App's key, issued by the App and not expired; else GitHub's kind of message.</summary>
    private string? ValidJwt(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return "A JSON web token could not be decoded";
        var parts = header[7..].Split('.');
        if (parts.Length != 3) return "A JSON web token could not be decoded";
        if (!_appKey.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Jwt.Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return "A JSON web token could not be decoded";
        var jwtHeader = JsonDocument.Parse(Jwt.Decode(parts[0])).RootElement;
        var payload = JsonDocument.Parse(Jwt.Decode(parts[1])).RootElement;
        if (jwtHeader.GetProperty("alg").GetString() != "RS256") return "'alg' must be RS256";
        if (payload.GetProperty("iss").ToString() != AppId) return "'Issuer' claim ('iss') must be an Integer";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (payload.GetProperty("exp").GetInt64() <= now) return "'Expiration time' claim ('exp') must be a numeric value representing the future time";
        if (payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64() > 600) return "'Expiration time' claim ('exp') is too far in the future";
        return null;
    }

    public void Dispose()
    {
        Server.Dispose();
        _appKey.Dispose();
    }
}

public sealed record FakeStatus(long Id, string State, string? LogUrl, string? EnvironmentUrl, string? Description, DateTimeOffset CreatedAt)
{
    public object Json() => new
    {
        id = Id, state = State, log_url = LogUrl, environment_url = EnvironmentUrl, description = Description,
        created_at = CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"), updated_at = CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
    };
}

public sealed record FakeDeployment(long Id, string Ref, string Environment, string Task, Dictionary<string, string> Payload, bool AutoMerge, int RequiredContexts, DateTimeOffset CreatedAt)
{
    public List<FakeStatus> Statuses { get; } = [];

    public object Json() => new
    {
        id = Id, sha = "0123abcd", @ref = Ref, task = Task, environment = Environment, payload = Payload, creator = new { login = "github-actions[bot]" },
        created_at = CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"), updated_at = CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
    };
}
