using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StackOps.Tests.Shared;

/// <summary>
/// Jobs, their pods, Secrets and pod logs, as the API server and the Job controller give them: a
/// created Job gets one pod, which runs, prints <see cref="JobLog"/> and succeeds or fails
/// (<see cref="JobSucceeds"/>; null: runs until the Job is deleted).
/// </summary>
public sealed partial class FakeKubernetes
{
    private readonly object _jobs = new();

    public List<string> JobLog { get; } = [];
    public bool? JobSucceeds { get; set; } = true;
    /// <summary>Every Job created, as the client sent it.</summary>
    public List<JsonObject> CreatedJobs { get; } = [];
    /// <summary>Every Secret created, by name, with its data as sent.</summary>
    public Dictionary<string, JsonObject> CreatedSecrets { get; } = [];
    public List<string> Secrets { get; } = [];
    public List<string> DeletedJobs { get; } = [];

    private void MapJobs(WebApplication app, TestCertificates certificates)
    {
        app.MapPost("/api/v1/namespaces/{space}/secrets", async (HttpContext c, string space) =>
        {
            if (!Authorized(c, certificates)) return Unauthorized();
            var secret = JsonNode.Parse(await new StreamReader(c.Request.Body).ReadToEndAsync())!.AsObject();
            var name = (string)secret["metadata"]!["name"]!;
            lock (_jobs) { CreatedSecrets[name] = secret; Secrets.Add(name); }
            return Results.Json(secret, statusCode: 201);
        });
        app.MapDelete("/api/v1/namespaces/{space}/secrets/{name}", (HttpContext c, string space, string name) =>
        {
            if (!Authorized(c, certificates)) return Unauthorized();
            lock (_jobs) Secrets.Remove(name);
            return Results.Json(new { kind = "Status", apiVersion = "v1", status = "Success" });
        });
        app.MapPost("/apis/batch/v1/namespaces/{space}/jobs", async (HttpContext c, string space) =>
        {
            if (!Authorized(c, certificates)) return Unauthorized();
            var job = JsonNode.Parse(await new StreamReader(c.Request.Body).ReadToEndAsync())!.AsObject();
            lock (_jobs) CreatedJobs.Add(job);
            return Results.Json(job, statusCode: 201);
        });
        app.MapGet("/apis/batch/v1/namespaces/{space}/jobs/{name}/status", (HttpContext c, string space, string name) =>
        {
            if (!Authorized(c, certificates)) return Unauthorized();
            var status = JobSucceeds switch
            {
                true => new JsonObject { ["succeeded"] = 1 },
                false => new JsonObject { ["failed"] = 1, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Failed", ["status"] = "True", ["reason"] = "BackoffLimitExceeded", ["message"] = "Job has reached the specified backoff limit" }) },
                null => new JsonObject { ["active"] = 1 },
            };
            return Results.Json(new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = space }, ["status"] = status });
        });
        app.MapDelete("/apis/batch/v1/namespaces/{space}/jobs/{name}", (HttpContext c, string space, string name) =>
        {
            if (!Authorized(c, certificates)) return Unauthorized();
            lock (_jobs) DeletedJobs.Add($"{name}?{c.Request.QueryString}");
            return Results.Json(new { kind = "Status", apiVersion = "v1", status = "Success" });
        });
        app.MapGet("/api/v1/namespaces/{space}/pods", (HttpContext c, string space) =>
        {
            if (!Authorized(c, certificates)) return Unauthorized();
            var job = c.Request.Query["labelSelector"].ToString().Replace("job-name=", "", StringComparison.Ordinal);
            var phase = JobSucceeds switch { true => "Succeeded", false => "Failed", null => "Running" };
            return Results.Json(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject(),
                ["items"] = new JsonArray(new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"{job}-x7k2p", ["namespace"] = space }, ["status"] = new JsonObject { ["phase"] = phase } }),
            });
        });
        app.MapGet("/api/v1/namespaces/{space}/pods/{pod}/log", (HttpContext c, string space, string pod) =>
            Authorized(c, certificates) ? Results.Text(string.Concat(JobLog.Select(l => l + "\n")), "text/plain", Encoding.UTF8) : Unauthorized());
    }
}
