using System.Management.Automation;
using System.Text.RegularExpressions;
using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>One run of the action's entry script: what it printed, the outputs and summary it wrote, and the requests GitHub received.</summary>
public sealed record ActionRun(ScriptResult Result, IReadOnlyList<string> Log, IReadOnlyDictionary<string, string> Outputs, string Summary, IReadOnlyList<RecordedRequest> Requests)
{
    public bool Failed => Result.Errors.Count > 0;

    public IEnumerable<RecordedRequest> Writes => Requests.Where(r => r.Method != "GET");
}

/// <summary>
/// The GitHub Action as a runner runs it: action/entry.ps1 in the hosted engine with a runner's
/// variables (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_API_URL, GITHUB_RUN_ID, INPUT_*), the
/// environment's secrets as STACKOPS_SECRET_* variables, a loopback GitHub, and two real registries.
/// </summary>
public sealed class ActionTests : IDisposable, IClassFixture<TwoRegistries>
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private static readonly string Entry = Path.Combine(PowerShellSession.RepositoryRoot, "action", "entry.ps1");

    private readonly TestHost _host = new();
    private readonly PowerShellSession _ps;
    private readonly FakeGitHub _github = new();
    private readonly TwoRegistries _registries;
    private readonly string _prefix = "a" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string?> _saved = new(StringComparer.Ordinal);
    private long _runId = 7000;

    public ActionTests(TwoRegistries registries)
    {
        _registries = registries;
        _ps = new PowerShellSession(host: _host);
        _ps.Ok(SecretCmdletTests.SecureHelper);
        Set("STACKOPS_USER", "publisher@example.com");
        var setup = _ps.Run("""
            Initialize-StackRepository
            New-ServiceConnector registry-shared docker password -Configuration @{ username = $sharedUser; password = (S $sharedPassword) } -ResourceType docker-registry -ResourceId $sharedHost
            New-ServiceConnector registry-production docker password -Configuration @{ username = $productionUser; password = (S $productionPassword) } -ResourceType docker-registry -ResourceId $productionHost
            New-StackComponent artifact_store s3-production s3 -Configuration @{
                path = 's3://ml-production/artifacts'; key = '{{ aws-production.access_key_id }}'; secret = '{{ aws-production.secret_access_key }}' } -WarningAction SilentlyContinue
            foreach ($stage in 'dev', 'staging', 'production') {
                $registryHost = if ($stage -eq 'production') { $productionHost } else { $sharedHost }
                New-StackComponent container_registry "$stage-registry" default -Configuration @{ uri = "$registryHost/$prefix/$stage" }
                Connect-StackComponent container_registry "$stage-registry" $(if ($stage -eq 'production') { 'registry-production' } else { 'registry-shared' })
                New-Stack $stage -Orchestrator default -ArtifactStore $(if ($stage -eq 'production') { 's3-production' } else { 'default' }) -ContainerRegistry "$stage-registry"
            }
            Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' },
                @{ Name = 'staging'; Stack = 'staging'; Environment = 'staging' },
                @{ Name = 'production'; Stack = 'production'; Environment = 'production'; EnvironmentUrl = 'https://ml.example.com/training';
                   Gates = @{ Approvals = @{ Count = 1; From = 'alice', 'bob' }; AllowedRefs = 'refs/tags/v*' } }
            New-StackPipeline training ml/trainer -Require @{ container_registry = $null } -RunConfiguration @{ signing_key = '{{ signing.key }}' }
            """,
            ("sharedUser", registries.Shared.UserName), ("sharedPassword", registries.Shared.UserPassword), ("sharedHost", registries.Shared.Host),
            ("productionUser", registries.Production.UserName), ("productionPassword", registries.Production.UserPassword), ("productionHost", registries.Production.Host),
            ("prefix", _prefix));
        Assert.True(setup.Errors.Count == 0, string.Join("\n", setup.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));

        _github.Environments["staging"] = (11, [], false);
        _github.Environments["production"] = (12, ["alice", "bob"], true);
        Runner();
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
        _ps.Dispose();
        _github.Dispose();
    }

    private void Set(string name, string? value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>What a runner sets for a job in octo-org/ml, and the environment's secrets mapped as the example workflow maps them.</summary>
    private void Runner()
    {
        Set("GITHUB_ACTIONS", "true");
        Set("GITHUB_WORKSPACE", _ps.WorkingDirectory);
        Set("GITHUB_API_URL", _github.ApiUrl);
        Set("GITHUB_SERVER_URL", "https://github.example");
        Set("GITHUB_REPOSITORY", FakeGitHub.Repository);
        Set("GITHUB_SHA", "0123abcd0123abcd0123abcd0123abcd0123abcd");
        Set("GITHUB_ACTOR", "carol");
        Set("GITHUB_TRIGGERING_ACTOR", null);
        Set("GITHUB_TOKEN", null);
        Set("STACKOPS_USER", null);
        Set("STACKOPS_SECRET_BACKEND", null);
        Set("STACKOPS_SECRET_CONNECTOR_REGISTRY_SHARED__PASSWORD", _registries.Shared.UserPassword);
        Set("STACKOPS_SECRET_CONNECTOR_REGISTRY_PRODUCTION__PASSWORD", _registries.Production.UserPassword);
        Set("STACKOPS_SECRET_AWS_PRODUCTION__ACCESS_KEY_ID", "AKIA" + Unique()[..16].ToUpperInvariant());
        Set("STACKOPS_SECRET_AWS_PRODUCTION__SECRET_ACCESS_KEY", Unique());
        // Every line unique: the masker is process-wide, and a line another test registered is not announced again.
        Set("STACKOPS_SECRET_SIGNING__KEY", $"-----BEGIN KEY {Unique()[..8]}-----\n{Unique()}\n{Unique()}\n-----END KEY {Unique()[..8]}-----");
        foreach (var input in new[] { "PIPELINE", "VERSION", "TO", "FROM", "STORE", "RUN", "GITHUB_TOKEN", "RECORD_DEPLOYMENT", "REQUIRE_PROTECTED_ENVIRONMENT", "DRY_RUN" })
            Set("INPUT_" + input, null);
    }

    private static string Unique() => Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    private void Publish(string version)
    {
        _registries.Shared.Push($"{_prefix}/dev/ml/trainer", version, $"layer one of {version}", $"layer two of {version}");
        Set("GITHUB_ACTIONS", null);
        Set("STACKOPS_USER", "publisher@example.com");
        try { _ps.Ok($"Publish-StackPipeline training {version} -SourceRevision 0123abcd -SourceRef refs/tags/v1"); }
        finally
        {
            Set("GITHUB_ACTIONS", "true");
            Set("STACKOPS_USER", null);
        }
    }

    /// <summary>Runs the entry script as the composite step does: action.yml's defaults, these inputs, a new run id, new output files.</summary>
    private ActionRun Act(string to, string? run = null, params (string Name, string? Value)[] inputs)
    {
        var id = ++_runId;
        Set("GITHUB_RUN_ID", id.ToString());
        var outputs = Path.Combine(_ps.Root, $"output-{id}");
        var summary = Path.Combine(_ps.Root, $"summary-{id}");
        Set("GITHUB_OUTPUT", outputs);
        Set("GITHUB_STEP_SUMMARY", summary);
        var given = new Dictionary<string, string?>
        {
            ["pipeline"] = "training", ["version"] = "1.0.0", ["to"] = to, ["store"] = ".stackops", ["run"] = run,
            ["github-token"] = FakeGitHub.Token, ["record-deployment"] = "true", ["dry-run"] = "false",
        };
        foreach (var (name, value) in inputs) given[name] = value;
        foreach (var (name, value) in given) Set("INPUT_" + name.Replace('-', '_').ToUpperInvariant(), value);

        var (printed, requested) = (_host.Written.Count, _github.Server.Requests.Count);
        var result = _ps.Run("& $entry -Module $module", ("entry", Entry), ("module", PowerShellSession.ModuleManifest));
        return new ActionRun(result, _host.Written.Skip(printed).SelectMany(w => w.Split('\n')).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList(),
            File.Exists(outputs) ? ParseOutputs(File.ReadAllText(outputs)) : new Dictionary<string, string>(),
            File.Exists(summary) ? File.ReadAllText(summary) : "", _github.Server.Requests.Skip(requested).ToList());
    }

    /// <summary>$GITHUB_OUTPUT as the runner reads it: name=value lines and name&lt;&lt;DELIMITER heredocs.</summary>
    private static Dictionary<string, string> ParseOutputs(string text)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var heredoc = Regex.Match(lines[i], "^([A-Za-z0-9_-]+)<<(.+)$");
            if (!heredoc.Success)
            {
                var parts = lines[i].Split('=', 2);
                outputs[parts[0]] = parts[1];
                continue;
            }
            var value = new List<string>();
            while (lines[++i] != heredoc.Groups[2].Value) value.Add(lines[i]);
            outputs[heredoc.Groups[1].Value] = string.Join("\n", value);
        }
        return outputs;
    }

    private void Approve(string user, string environment) =>
        _github.Approvals[_runId + 1] = [(user, "approved", "looks good", [environment])];

    private static void AssertSucceeded(ActionRun run) =>
        Assert.False(run.Failed, string.Join("\n", run.Result.Errors.Select(e => e.ToString()).Concat(run.Log)));

    private static void AssertFailed(ActionRun run, string reason)
    {
        var error = Assert.Single(run.Result.Errors);
        Assert.Equal($"PromotionActionFailed,{Commands}.InvokeStackPromotionActionCommand", error.FullyQualifiedErrorId);
        Assert.Equal(reason, run.Outputs["reason"]);
        Assert.Equal("false", run.Outputs["promoted"]);
    }

    private IReadOnlyList<string> Secrets() =>
        new[] { "STACKOPS_SECRET_AWS_PRODUCTION__ACCESS_KEY_ID", "STACKOPS_SECRET_AWS_PRODUCTION__SECRET_ACCESS_KEY", "STACKOPS_SECRET_SIGNING__KEY" }
            .Select(Environment.GetEnvironmentVariable).Where(v => v is not null).SelectMany(v => v!.Split('\n').Prepend(v)).ToList();

    [Fact]
    public void StagingThenProductionAfterApprovalRecordsDeploymentsAndWritesOutputs()
    {
        Publish("1.0.0");
        var staging = Act("staging", run: "\"smoke test of $env:STACKOPS_IMAGE on $env:STACKOPS_STACK\"");
        AssertSucceeded(staging);
        // The env backend is the action's engine's choice, not a change to the process that hosts it.
        Assert.Null(Environment.GetEnvironmentVariable("STACKOPS_SECRET_BACKEND"));
        var stagingDeployment = Assert.Single(_github.Deployments);
        Assert.Equal(("staging", "stackops:promote", false, 0), (stagingDeployment.Environment, stagingDeployment.Task, stagingDeployment.AutoMerge, stagingDeployment.RequiredContexts));
        Assert.Equal(["in_progress", "success"], stagingDeployment.Statuses.Select(s => s.State));
        Assert.All(stagingDeployment.Statuses, s => Assert.Equal($"https://github.example/octo-org/ml/actions/runs/{_runId}", s.LogUrl));
        Assert.Equal(("training", "1.0.0", "dev"), (stagingDeployment.Payload["pipeline"], stagingDeployment.Payload["version"], stagingDeployment.Payload["from"]));
        Assert.Matches("^sha256:[0-9a-f]{64}$", stagingDeployment.Payload["digest"]);
        Assert.Equal("carol", stagingDeployment.Payload["requestedBy"]);
        Assert.Equal("true", staging.Outputs["promoted"]);
        Assert.Equal("promoted", staging.Outputs["reason"]);
        Assert.Equal($"{_registries.Shared.Host}/{_prefix}/staging/ml/trainer@{stagingDeployment.Payload["digest"]}", staging.Outputs["image"]);
        Assert.Equal(("staging", "staging", stagingDeployment.Id.ToString()), (staging.Outputs["target-stack"], staging.Outputs["environment"], staging.Outputs["deployment-id"]));
        Assert.Contains(staging.Log, l => l.StartsWith($"smoke test of {staging.Outputs["image"]} on staging", StringComparison.Ordinal));
        Assert.Equal(["version", "requirements", "stack", "approvals", "soakTime", "allowedRefs", "freezeWindows", "image", "run", "current"],
            staging.Log.Where(l => l.StartsWith("::group::", StringComparison.Ordinal)).Select(l => Regex.Match(l, @"^::group::\d+\. (\w+):").Groups[1].Value));
        Assert.Equal(staging.Log.Count(l => l.StartsWith("::group::", StringComparison.Ordinal)), staging.Log.Count(l => l == "::endgroup::"));

        // Production reads staging's current version from GitHub, and needs this run's approval by a reviewer.
        Approve("alice", "production");
        var production = Act("production");
        AssertSucceeded(production);
        Assert.Contains(production.Requests, r => r.Method == "GET" && r.Path == "/api/v3/repos/octo-org/ml/environments/production");
        Assert.Contains(production.Requests, r => r.Method == "GET" && r.Path == $"/api/v3/repos/octo-org/ml/actions/runs/{_runId}/approvals");
        var deployment = _github.Deployments[^1];
        Assert.Equal(("production", "alice", "staging"), (deployment.Environment, deployment.Payload["approvers"], deployment.Payload["from"]));
        Assert.Equal(["in_progress", "success"], deployment.Statuses.Select(s => s.State));
        Assert.Equal("https://ml.example.com/training", deployment.Statuses[^1].EnvironmentUrl);
        Assert.Equal(stagingDeployment.Payload["digest"], deployment.Payload["digest"]);
        Assert.StartsWith($"{_registries.Production.Host}/{_prefix}/production/ml/trainer@sha256:", production.Outputs["image"]);
        Assert.Equal(deployment.Id.ToString(), production.Outputs["deployment-id"]);

        Assert.Contains("| container_registry | staging-registry (default) | production-registry (default) |", production.Summary);
        Assert.Contains("| artifact_store | default (local) | s3-production (s3) |", production.Summary);
        Assert.Contains("| approvals | ✅ passed | approvals: alice |", production.Summary);
        Assert.Contains($"**Image:** `{production.Outputs["image"]}`", production.Summary);
        Assert.Contains("**Approved by:** alice", production.Summary);
        Assert.DoesNotContain(Secrets(), s => production.Summary.Contains(s) || production.Log.Any(l => !l.StartsWith("::add-mask::") && l.Contains(s)));
    }

    [Fact]
    public void AnUnresolvedSecretIsAnAnnotationOnItsDocumentAndWritesNothingToGitHub()
    {
        Publish("1.0.0");
        AssertSucceeded(Act("staging"));
        Set("STACKOPS_SECRET_AWS_PRODUCTION__SECRET_ACCESS_KEY", null);
        Approve("alice", "production");
        var production = Act("production");
        AssertFailed(production, "failed-stack");
        var annotation = Assert.Single(production.Log, l => l.StartsWith("::error file=", StringComparison.Ordinal) && l.Contains("aws-production"));
        var line = File.ReadAllLines(Path.Combine(_ps.WorkingDirectory, ".stackops", "components", "artifact_store", "s3-production.yaml"))
            .Select((text, index) => (text, index)).Single(l => l.text.Contains("aws-production.secret_access_key")).index + 1;
        Assert.StartsWith($"::error file=.stackops/components/artifact_store/s3-production.yaml,line={line},", annotation);
        Assert.Empty(production.Writes);
        Assert.Single(_github.Deployments);
    }

    [Fact]
    public void AnUnknownTargetStageListsTheStagesAndMakesNoRequest()
    {
        Publish("1.0.0");
        var run = Act("qa");
        AssertFailed(run, "invalid-input");
        var error = Assert.Single(run.Log, l => l.StartsWith("::error", StringComparison.Ordinal));
        Assert.Contains("'qa' is not a stage of the lifecycle (dev → staging → production)", error);
        Assert.Empty(run.Requests);
    }

    [Theory]
    [InlineData("version", null)]
    [InlineData("record-deployment", "yes")]
    public void BadInputsAreErrorsThatNameTheInput(string input, string? value)
    {
        var run = Act("staging", null, (input, value));
        AssertFailed(run, "invalid-input");
        Assert.Contains(run.Log, l => l.StartsWith("::error", StringComparison.Ordinal) && l.Contains($"'{input}'"));
        Assert.Empty(run.Requests);
    }

    /// <summary>A store outside the workspace (the same documents, so only the check can refuse it): absolute, through '..', or through a link.</summary>
    [Theory]
    [InlineData("absolute")]
    [InlineData("dot-dot")]
    [InlineData("link")]
    public void AStoreInputOutsideTheWorkspaceIsRefused(string how)
    {
        Publish("1.0.0");
        var outside = Path.Combine(_ps.Root, "outside", ".stackops");
        CopyFolder(Path.Combine(_ps.WorkingDirectory, ".stackops"), outside);
        var store = how switch
        {
            "absolute" => outside,
            "dot-dot" => "../outside/.stackops",
            _ => "config/stackops",
        };
        if (how == "link")
        {
            Directory.CreateDirectory(Path.Combine(_ps.WorkingDirectory, "config"));
            Directory.CreateSymbolicLink(Path.Combine(_ps.WorkingDirectory, "config", "stackops"), outside);
        }
        var run = Act("staging", null, ("store", store), ("dry-run", "true"));
        AssertFailed(run, "invalid-input");
        var error = Assert.Single(run.Log, l => l.StartsWith("::error", StringComparison.Ordinal));
        Assert.Contains($"The input 'store' ({store}) is outside the workspace", error);
        Assert.Empty(run.Requests);

        // Inside the workspace, an absolute path and a link that stays inside are fine.
        AssertSucceeded(Act("staging", null, ("store", Path.Combine(_ps.WorkingDirectory, ".stackops")), ("dry-run", "true")));
        Directory.CreateSymbolicLink(Path.Combine(_ps.WorkingDirectory, "inside"), Path.Combine(_ps.WorkingDirectory, ".stackops"));
        AssertSucceeded(Act("staging", null, ("store", "inside"), ("dry-run", "true")));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact]
    public void ARunInputThatDoesNotParseIsAnInvalidInputAndStartsNothing()
    {
        Publish("1.0.0");
        var run = Act("staging", run: "if ($true) {");
        AssertFailed(run, "invalid-input");
        Assert.Contains(run.Log, l => l.StartsWith("::error", StringComparison.Ordinal) && l.Contains("The input 'run' is not valid PowerShell (line 1"));
        Assert.Empty(run.Requests);
    }

    [Fact]
    public void AnAlreadyCurrentVersionCreatesNoDeployment()
    {
        Publish("1.0.0");
        AssertSucceeded(Act("staging"));
        var again = Act("staging");
        AssertSucceeded(again);
        Assert.Equal(("false", "already-current"), (again.Outputs["promoted"], again.Outputs["reason"]));
        Assert.Empty(again.Writes);
        Assert.Single(_github.Deployments);
    }

    [Theory]
    [InlineData(new string[0], true, "has no required reviewers")]
    [InlineData(new[] { "alice" }, false, "prevent self-review is off")]
    public void AnUnprotectedProductionEnvironmentIsRefused(string[] reviewers, bool preventSelfReview, string why)
    {
        Publish("1.0.0");
        AssertSucceeded(Act("staging"));
        _github.Environments["production"] = (12, reviewers, preventSelfReview);
        Approve("alice", "production");
        var production = Act("production");
        AssertFailed(production, "environment-not-protected");
        Assert.Contains(production.Log, l => l.StartsWith("::error", StringComparison.Ordinal) && l.Contains(why));
        Assert.Empty(production.Writes);

        // Staging is not the last stage: it is not required to be protected, unless asked.
        Publish("1.0.1");
        AssertFailed(Act("staging", null, ("version", "1.0.1"), ("require-protected-environment", "true")), "environment-not-protected");
    }

    [Fact]
    public void AFailingRunStepFailsTheDeploymentAndTheStep()
    {
        Publish("1.0.0");
        var run = Act("staging", run: "throw 'the smoke test found no model'");
        AssertFailed(run, "failed-run");
        var deployment = Assert.Single(_github.Deployments);
        Assert.Equal(["in_progress", "failure"], deployment.Statuses.Select(s => s.State));
        Assert.Contains("the smoke test found no model", Assert.Single(run.Log, l => l.StartsWith("::error title=StackOps promotion failed", StringComparison.Ordinal)));
        Assert.Contains("| run | ❌ failed |", run.Summary);

        // Staging keeps no current version: promoting to production is refused at the version check.
        Approve("alice", "production");
        AssertFailed(Act("production"), "failed-version");
    }

    [Theory]
    [InlineData(502, null, "Server Error")]
    [InlineData(429, 1, "API rate limit exceeded")]
    [InlineData(403, 1, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")]
    public void AFailingOrThrottlingGitHubIsRetriedAndMakesOneDeployment(int status, int? retryAfter, string message)
    {
        Publish("1.0.0");
        _github.DeploymentCreationFailures.Enqueue((status, retryAfter, message));
        var run = Act("staging");
        AssertSucceeded(run);
        Assert.Equal(2, run.Requests.Count(r => r.Method == "POST" && r.Path == "/api/v3/repos/octo-org/ml/deployments"));
        Assert.Single(_github.Deployments);
        Assert.Equal(["in_progress", "success"], _github.Deployments[0].Statuses.Select(s => s.State));
    }

    [Fact]
    public void ATokenWithoutDeploymentsPermissionFailsBeforeAnythingIsCopied()
    {
        Publish("1.0.0");
        _github.DeploymentCreationFailures.Enqueue((403, null, "Resource not accessible by integration"));
        var run = Act("staging");
        AssertFailed(run, "error");
        Assert.Single(run.Requests, r => r.Method == "POST");
        Assert.Contains(run.Log, l => l.StartsWith("::error", StringComparison.Ordinal) && l.Contains("GitHub answered 403 (Resource not accessible by integration)") && l.Contains("deployments: write"));
        Assert.Empty(_github.Deployments);
        Assert.Equal(0, _registries.Shared.MountsInto($"{_prefix}/staging/ml/trainer") + _registries.Shared.UploadsInto($"{_prefix}/staging/ml/trainer"));
        Assert.DoesNotContain(run.Log, l => l.Contains(FakeGitHub.Token) && l != $"::add-mask::{FakeGitHub.Token}");
    }

    [Fact]
    public void ADryRunChecksEverythingAndWritesNothing()
    {
        Publish("1.0.0");
        var run = Act("staging", null, ("dry-run", "true"));
        AssertSucceeded(run);
        Assert.Equal(("false", "dry-run"), (run.Outputs["promoted"], run.Outputs["reason"]));
        Assert.Empty(run.Writes);
        Assert.Contains("plan (dry run)", run.Summary);
        Assert.Equal(0, _registries.Shared.MountsInto($"{_prefix}/staging/ml/trainer") + _registries.Shared.UploadsInto($"{_prefix}/staging/ml/trainer"));
    }

    [Fact]
    public void AMultiLineSecretIsMaskedLineByLineBeforeAnythingIsPrinted()
    {
        Publish("1.0.0");
        var key = Environment.GetEnvironmentVariable("STACKOPS_SECRET_SIGNING__KEY")!;
        var run = Act("staging", run: "$env:STACKOPS_RUN_SIGNING_KEY; \"second line: $(($env:STACKOPS_RUN_SIGNING_KEY -split \"`n\")[1])\"");
        AssertSucceeded(run);
        var masks = run.Log.TakeWhile(l => l.StartsWith("::add-mask::", StringComparison.Ordinal)).Select(l => l["::add-mask::".Length..]).ToList();
        Assert.Contains(key.Replace("\n", "%0A"), masks);
        foreach (var line in key.Split('\n')) Assert.Contains(line, masks);
        var printed = run.Log.Skip(masks.Count).ToList();
        Assert.Contains("second line: ***", printed);
        Assert.DoesNotContain(Secrets(), s => printed.Any(l => l.Contains(s)) || run.Summary.Contains(s) || run.Outputs.Values.Any(v => v.Contains(s)));
    }

    [Fact]
    public void ASecretTooShortToMaskStopsTheActionBeforeItPrintsIt()
    {
        Publish("1.0.0");
        Set("STACKOPS_SECRET_AWS_PRODUCTION__ACCESS_KEY_ID", "Q7");
        var run = Act("staging", run: "$env:STACKOPS_SECRET_AWS_PRODUCTION__ACCESS_KEY_ID");
        AssertFailed(run, "invalid-input");
        var error = Assert.Single(run.Log, l => l.StartsWith("::error", StringComparison.Ordinal));
        Assert.Contains("key 'access_key_id' of secret 'aws_production'", error);
        Assert.Contains("$env:STACKOPS_SECRET_AWS_PRODUCTION__ACCESS_KEY_ID", error);
        Assert.DoesNotContain(run.Log, l => l.Contains("Q7"));
        Assert.Empty(run.Requests);
        Assert.Empty(_github.Deployments);
    }

    [Fact]
    public void EveryStreamOfTheRunStepIsMaskedInTheLog()
    {
        Publish("1.0.0");
        var run = Act("staging", run: """
            [CmdletBinding()] param()
            $VerbosePreference = 'Continue'
            $key = ($env:STACKOPS_RUN_SIGNING_KEY -split "`n")[1]
            "output: $key"
            $PSCmdlet.WriteInformation([System.Management.Automation.HostInformationMessage]@{ Message = "host: $key" }, [string[]]'PSHOST')
            $PSCmdlet.WriteWarning("warning: $key")
            $PSCmdlet.WriteVerbose("verbose: $key")
            sh -c 'echo "native out: $STACKOPS_RUN_SIGNING_KEY"; echo "native err: $STACKOPS_RUN_SIGNING_KEY" >&2'
            """);
        AssertSucceeded(run);
        foreach (var line in new[] { "output: ***", "host: ***", "::warning::warning: ***", "::debug::verbose: ***", "native out: ***", "native err: ***" })
            Assert.Contains(line, run.Log);
        Assert.DoesNotContain(Secrets(), s => run.Log.Any(l => !l.StartsWith("::add-mask::", StringComparison.Ordinal) && l.Contains(s)));
    }

    private const string Hostile = "::warning::planted by a peer\n::stop-commands::abc\n  ::error title=Planted::by a peer\nsee ##[warning]legacy form";

    /// <summary>The action's own commands, as the runner processes them, with the untrusted text shown and inert around them.</summary>
    private static RunnerLog AssertOnlyOwnCommands(ActionRun run, string untrusted)
    {
        var log = RunnerLog.Read(run.Log);
        Assert.False(log.Stopped);
        Assert.All(log.Commands.Where(c => c.Name == "stop-commands"), c => Assert.DoesNotContain(c.Data, untrusted, StringComparison.OrdinalIgnoreCase));
        foreach (var line in untrusted.Split('\n')) Assert.Contains(log.Text, t => t.Contains(line.Trim(), StringComparison.Ordinal));
        Assert.DoesNotContain(log.Commands, c => c.Data.Contains("planted", StringComparison.Ordinal) && c.Name != "error" && c.Name != "debug");
        return log;
    }

    [Fact]
    public void ARegistrysErrorBodyCannotSpeakToTheRunner()
    {
        using var proxy = new FlakyProxy(_registries.Shared.Host) { RefuseManifestsWith = "manifest refused\n" + Hostile };
        _ps.Ok($$"""
            New-ServiceConnector registry-proxy docker password -Configuration @{ username = '{{_registries.Shared.UserName}}'; password = (S '{{_registries.Shared.UserPassword}}') } -ResourceType docker-registry -ResourceId {{proxy.Server.HostAndPort}}
            Disconnect-StackComponent container_registry staging-registry
            Set-StackComponent container_registry staging-registry -Configuration @{ uri = '{{proxy.Server.HostAndPort}}/{{_prefix}}/staging' }
            Connect-StackComponent container_registry staging-registry registry-proxy
            """);
        Set("STACKOPS_SECRET_CONNECTOR_REGISTRY_PROXY__PASSWORD", _registries.Shared.UserPassword);
        Publish("1.0.0");
        var run = Act("staging");
        AssertFailed(run, "failed-image");
        var log = AssertOnlyOwnCommands(run, Hostile);
        var annotation = Assert.Single(log.Annotations);
        Assert.Equal(("error", "StackOps promotion failed"), (annotation.Name, annotation.Properties["title"]));
        Assert.Contains("::stop-commands::abc", annotation.Data);
    }

    [Fact]
    public void GitHubsErrorBodyCannotSpeakToTheRunner()
    {
        Publish("1.0.0");
        _github.DeploymentCreationFailures.Enqueue((403, null, "Resource not accessible\n" + Hostile));
        var run = Act("staging");
        AssertFailed(run, "error");
        var log = RunnerLog.Read(run.Log);
        Assert.False(log.Stopped);
        var annotation = Assert.Single(log.Annotations);
        Assert.Equal("error", annotation.Name);
        Assert.Contains("::stop-commands::abc", annotation.Data);
    }

    [Fact]
    public void TheRunStepsOutputCannotSpeakToTheRunner()
    {
        Publish("1.0.0");
        var run = Act("staging", run: $$"""
            [CmdletBinding()] param()
            "{{Hostile.Replace("\n", "`n")}}"
            $PSCmdlet.WriteInformation([System.Management.Automation.HostInformationMessage]@{ Message = '::warning::planted by Write-Host' }, [string[]]'PSHOST')
            sh -c 'echo "::warning::planted by native stdout"; echo "::stop-commands::abc" >&2; echo "::error::planted by native stderr" >&2'
            throw 'the smoke test failed ::warning::planted in the error'
            """);
        AssertFailed(run, "failed-run");
        var log = AssertOnlyOwnCommands(run, Hostile + "\n::warning::planted by Write-Host\n::warning::planted by native stdout\n::error::planted by native stderr");
        var annotation = Assert.Single(log.Annotations);
        Assert.Equal(("error", "StackOps promotion failed"), (annotation.Name, annotation.Properties["title"]));
        Assert.Contains("planted in the error", annotation.Data);
    }

    [Fact]
    public void ReviewersListAndApproveWaitingRunsFromTheConsole()
    {
        Set("GITHUB_TOKEN", FakeGitHub.Token);
        _github.WaitingRuns.Add((4242, "Promote training 1.0.0", "carol", new Dictionary<string, long> { ["production"] = 12 }));
        _github.WaitingRuns.Add((4243, "Promote training 1.1.0", "dave", new Dictionary<string, long> { ["staging"] = 11, ["production"] = 12 }));

        var pending = _ps.Ok("Get-StackPromotion -GitHubRepository octo-org/ml -Pending");
        Assert.Equal([(4242L, "production"), (4243L, "staging"), (4243L, "production")],
            pending.Select(p => ((long)p.Properties["RunId"].Value, (string)p.Properties["Environment"].Value)));

        _ps.Ok("Approve-StackPromotion -GitHubRepository octo-org/ml -RunId 4242 -Comment 'model card reviewed'");
        _ps.Ok("Get-StackPromotion -GitHubRepository octo-org/ml -Pending | Where-Object { $_.RunId -eq 4243 -and $_.Environment -eq 'production' } | Deny-StackPromotion -Comment 'not this week'");
        Assert.Equal([(4242L, "12", "approved", "model card reviewed"), (4243L, "12", "rejected", "not this week")],
            _github.Reviews.Select(r => (r.RunId, string.Join(",", r.EnvironmentIds), r.State, r.Comment)));

        var missing = _ps.Run("Approve-StackPromotion -GitHubRepository octo-org/ml -RunId 9999");
        Assert.Equal($"RunNotWaiting,{Commands}.ApproveStackPromotionCommand", Assert.Single(missing.Errors).FullyQualifiedErrorId);
        Assert.Equal(2, _github.Reviews.Count);
    }
}
