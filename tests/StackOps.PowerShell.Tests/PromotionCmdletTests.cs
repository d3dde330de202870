using System.Management.Automation;
using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>dev → staging → production on the console, through the cmdlets in the hosted engine, against two real registries.</summary>
public sealed class PromotionCmdletTests : IDisposable, IClassFixture<TwoRegistries>
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly TestHost _host = new();
    private readonly PowerShellSession _ps;
    private readonly TwoRegistries _registries;
    private readonly string _prefix = "p" + Guid.NewGuid().ToString("N")[..8];

    public PromotionCmdletTests(TwoRegistries registries)
    {
        _registries = registries;
        _ps = new PowerShellSession(host: _host);
        Environment.SetEnvironmentVariable("STACKOPS_USER", "publisher@example.com");
        _ps.Ok(SecretCmdletTests.SecureHelper);
        Ok("""
            New-ServiceConnector registry-shared docker password -Configuration @{ username = $sharedUser; password = (S $sharedPassword) } -ResourceType docker-registry -ResourceId $sharedHost
            New-ServiceConnector registry-production docker password -Configuration @{ username = $productionUser; password = (S $productionPassword) } -ResourceType docker-registry -ResourceId $productionHost
            foreach ($stage in 'dev', 'staging', 'production') {
                $registryHost = if ($stage -eq 'production') { $productionHost } else { $sharedHost }
                New-StackComponent container_registry "$stage-registry" default -Configuration @{ uri = "$registryHost/$prefix/$stage" }
                Connect-StackComponent container_registry "$stage-registry" $(if ($stage -eq 'production') { 'registry-production' } else { 'registry-shared' })
                New-Stack $stage -Orchestrator default -ArtifactStore default -ContainerRegistry "$stage-registry"
            }
            Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' },
                @{ Name = 'staging'; Stack = 'staging'; Environment = 'staging'; Gates = @{ RequireVerifiedConnectors = $true } },
                @{ Name = 'production'; Stack = 'production'; Environment = 'production'; Gates = @{ Approvals = @{ Count = 1; From = 'alice@example.com', 'bob@example.com' }; AllowedRefs = 'refs/tags/v*' } }
            New-StackPipeline training ml/trainer -Require @{ container_registry = $null }
            """,
            ("sharedUser", registries.Shared.UserName), ("sharedPassword", registries.Shared.UserPassword), ("sharedHost", registries.Shared.Host),
            ("productionUser", registries.Production.UserName), ("productionPassword", registries.Production.UserPassword), ("productionHost", registries.Production.Host),
            ("prefix", _prefix));
    }

    public void Dispose()
    {
        _ps.Dispose();
        Environment.SetEnvironmentVariable("STACKOPS_USER", null);
    }

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    private IReadOnlyList<PSObject> Ok(string script, params (string, object?)[] variables)
    {
        var result = _ps.Run(script, variables);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));
        return result.Output;
    }

    private string Repo(string stage) => $"{_prefix}/{stage}/ml/trainer";

    private string? Current(string stage) => (string?)Prop(Ok($"Get-StackPipeline training -Stage {stage}").Single(), "Version");

    private void Publish(string version, string sourceRef = "refs/tags/v1")
    {
        _registries.Shared.Push(Repo("dev"), version, $"layer one of {version}", $"layer two of {version}");
        Ok($"Publish-StackPipeline training {version} -SourceRevision 0123abcd -SourceRef {sourceRef}");
    }

    [Fact]
    public void DevToStagingToProductionWithApprovalAndRollback()
    {
        Publish("1.0.0");
        Assert.Equal("1.0.0", Current("dev"));

        var staging = _ps.Run("Invoke-StackPromotion training 1.0.0 -To staging");
        Assert.Empty(staging.Errors);
        Assert.Equal("Succeeded", Prop(staging.Single(), "State")!.ToString());
        Assert.Contains(staging.AllText, t => t.StartsWith("Promoting training 1.0.0 to 'staging'", StringComparison.Ordinal));
        Assert.Equal("1.0.0", Current("staging"));
        // dev and staging share a registry: the blobs were mounted, not uploaded.
        Assert.Equal(3, _registries.Shared.MountsInto(Repo("staging")));
        Assert.Equal(0, _registries.Shared.UploadsInto(Repo("staging")));

        // Production needs an approval: without one the promotion fails at the gate and production keeps nothing.
        var gate = _ps.Fails("Invoke-StackPromotion training 1.0.0 -To production", $"ApprovalGateNotMet,{Commands}.InvokeStackPromotionCommand");
        Assert.Contains("0 of 1", gate.ErrorDetails.Message);
        Assert.Null(Current("production"));

        var request = Ok("Request-StackPromotion training 1.0.0 -To production -Comment 'first model'").Single();
        Assert.Equal("Pending", Prop(request, "State")!.ToString());
        Assert.Equal(["training"], Ok("Get-StackPromotion -Pending").Select(r => (string)Prop(r, "Pipeline")!));
        _ps.Fails("Approve-StackPromotion training 1.0.0 -To production", $"SelfApprovalForbidden,{Commands}.ApproveStackPromotionCommand");
        Environment.SetEnvironmentVariable("STACKOPS_USER", "alice@example.com");
        Ok("Get-StackPromotion -Pending | Approve-StackPromotion -Comment 'metrics reviewed' -Confirm:$false");
        Environment.SetEnvironmentVariable("STACKOPS_USER", "publisher@example.com");

        var production = Ok("Invoke-StackPromotion training 1.0.0 -To production").Single();
        Assert.Equal(new[] { "alice@example.com" }, ((IEnumerable<string>)Prop(production, "Approvers")!).ToArray());
        Assert.Equal($"{_registries.Production.Host}/{Repo("production")}@{DockerRegistry.Digest(_registries.Shared.Manifest(Repo("dev"), "1.0.0"))}", Prop(production, "Image"));
        Assert.Equal(3, _registries.Production.UploadsInto(Repo("production")));

        // Nothing to do the second time, and it says so.
        var again = _ps.Run("Invoke-StackPromotion training 1.0.0 -To production");
        Assert.Empty(again.Errors);
        Assert.Empty(again.Output);
        Assert.Contains(again.AllText, t => t.Contains("already current on 'production'", StringComparison.Ordinal));

        // 1.1.0 shares its config with 1.0.0: only its two new layers are uploaded. Rolling back to 1.0.0 is one promotion.
        Publish("1.1.0");
        Ok("Invoke-StackPromotion training 1.1.0 -To staging");
        Ok("Request-StackPromotion training 1.1.0 -To production");
        Environment.SetEnvironmentVariable("STACKOPS_USER", "bob@example.com");
        var approved = Ok("Approve-StackPromotion training 1.1.0 -To production").Single();
        Assert.Equal("Pending", Prop(approved, "State")!.ToString());
        Assert.Equal(["bob@example.com"], (IEnumerable<string>)Prop(approved, "Approvers")!);
        Environment.SetEnvironmentVariable("STACKOPS_USER", "publisher@example.com");
        Ok("Invoke-StackPromotion training 1.1.0 -To production");
        Assert.Equal("1.1.0", Current("production"));
        Assert.Equal(3 + 2, _registries.Production.UploadsInto(Repo("production")));
        Ok("Request-StackPromotion training 1.0.0 -To production -Comment rollback");
        Environment.SetEnvironmentVariable("STACKOPS_USER", "alice@example.com");
        Ok("Approve-StackPromotion training 1.0.0 -To production");
        Environment.SetEnvironmentVariable("STACKOPS_USER", "publisher@example.com");
        var rollback = Ok("Invoke-StackPromotion training 1.0.0 -To production").Single();
        Assert.Equal(true, Prop(rollback, "IsRollback"));
        Assert.Equal("1.0.0", Current("production"));

        var history = Ok("Get-StackPromotion training -Stage production -State Succeeded");
        Assert.Equal(["1.0.0", "1.1.0", "1.0.0"], history.Select(r => (string)Prop(r, "Version")!));
        Assert.Equal(["dev", "staging", "production"], Ok("Get-StackLifecycle").Select(s => (string)Prop(s, "Name")!));
    }

    [Fact]
    public void WhatIfShowsThePlanAndChangesNothing()
    {
        Publish("1.0.0");
        var before = _ps.Snapshot();
        var plan = _ps.Run("Invoke-StackPromotion training 1.0.0 -To staging -WhatIf");
        Assert.Empty(plan.Errors);
        Assert.Empty(plan.Output);
        foreach (var step in new[] { "version", "requirements", "stack", "approvals", "soakTime", "allowedRefs", "freezeWindows", "image", "current" })
            Assert.Contains(plan.AllText, t => t.StartsWith($"What if: {step} ", StringComparison.Ordinal));
        Assert.Contains(plan.AllText, t => t.Contains("would copy", StringComparison.Ordinal));
        Assert.Equal(before, _ps.Snapshot());
        Assert.Equal(0, _registries.Shared.MountsInto(Repo("staging")));
    }

    [Fact]
    public void TheRunStepSeesTheTargetAndItsSecretsStayMasked()
    {
        Ok("""
            New-StackSecret mlflow -Key password -SecureValue (S 'promotion-run-secret-77')
            New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com'; tracking_password = '{{ mlflow.password }}' }
            Set-Stack staging -ExperimentTracker mlflow
            """);
        Publish("1.0.0");
        var result = _ps.Run("""
            Invoke-StackPromotion training 1.0.0 -To staging -Run {
                "stack=$env:STACKOPS_STACK image=$env:STACKOPS_IMAGE"
                "password=$env:STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD"
            } -Verbose
            """);
        Assert.Empty(result.Errors);
        Assert.Contains(result.AllText, t => t.StartsWith($"stack=staging image={_registries.Shared.Host}/{Repo("staging")}@sha256:", StringComparison.Ordinal));
        Assert.Contains(result.AllText, t => t == "password=***");
        Assert.DoesNotContain(result.AllText, t => t.Contains("promotion-run-secret-77", StringComparison.Ordinal));
        Assert.Null(Environment.GetEnvironmentVariable("STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD"));

        Publish("1.1.0");
        var error = _ps.Fails("Invoke-StackPromotion training 1.1.0 -To staging -Run { throw 'smoke test failed' }", $"RunFailed,{Commands}.InvokeStackPromotionCommand");
        Assert.Contains("smoke test failed", error.ErrorDetails.Message);
        Assert.Equal("1.0.0", Current("staging"));
    }

    /// <summary>
    /// Every stream of the run step (output, Write-Host, warning, verbose, debug, a native command's stdout and stderr)
    /// reaches the host and the streams masked, as it happens: the block sees its first line on the host before it goes on.
    /// </summary>
    [Fact]
    public void TheRunStepsStreamsAreMaskedOnTheHostAsTheyCome()
    {
        const string secret = "run-stream-secret-4242";
        Ok($"New-StackSecret mlflow -Key password -SecureValue (S '{secret}')" + """

            New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com'; tracking_password = '{{ mlflow.password }}' }
            Set-Stack staging -ExperimentTracker mlflow
            """);
        Publish("1.0.0");
        var printed = _host.Written.Count;
        var result = _ps.Run("""
            $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
            Invoke-StackPromotion training 1.0.0 -To staging -Run {
                [CmdletBinding()] param()
                $secret = $env:STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD
                "output: $secret"
                "live: $([string]::Join("`n", $testHost.Written).Contains('output: ***'))"
                $PSCmdlet.WriteInformation([System.Management.Automation.HostInformationMessage]@{ Message = "host: $secret" }, [string[]]'PSHOST')
                $PSCmdlet.WriteWarning("warning: $secret")
                $PSCmdlet.WriteVerbose("verbose: $secret")
                $PSCmdlet.WriteDebug("debug: $secret")
                sh -c 'echo "native out: $STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD"; echo "native err: $STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD" >&2'
            }
            """, ("testHost", _host));
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.ToString())));
        var host = string.Join("\n", _host.Written.Skip(printed));
        Assert.DoesNotContain(secret, host);
        Assert.DoesNotContain(result.AllText, t => t.Contains(secret, StringComparison.Ordinal));
        foreach (var line in new[] { "output: ***", "live: True", "host: ***", "warning: ***", "verbose: ***", "debug: ***", "native out: ***", "native err: ***" })
            Assert.Contains(line, host);
        Assert.Contains("warning: ***", result.Warnings);
        // The run's scope goes with it: nothing of the wrapper is left in the session.
        Assert.Equal(true, _ps.Ok("$null -eq $informationShown -and $null -eq ${function:Write-Host}").Single().BaseObject);
    }

    [Fact]
    public void ARegistryThatDiesMidCopyFailsThePromotionAndARetryCompletesIt()
    {
        using var proxy = new FlakyProxy(_registries.Production.Host);
        Ok("""
            New-ServiceConnector registry-proxy docker password -Configuration @{ username = $user; password = (S $password) } -ResourceType docker-registry -ResourceId $proxyHost
            Disconnect-StackComponent container_registry production-registry
            Set-StackComponent container_registry production-registry -Configuration @{ uri = "$proxyHost/$prefix/production" }
            Connect-StackComponent container_registry production-registry registry-proxy
            """, ("user", _registries.Production.UserName), ("password", _registries.Production.UserPassword), ("proxyHost", proxy.Server.HostAndPort), ("prefix", _prefix));
        _registries.Shared.Push(Repo("dev"), "1.0.0", [.. Enumerable.Range(1, 12).Select(i => $"layer {i} of a large image")]);
        Ok("Publish-StackPipeline training 1.0.0 -SourceRef refs/tags/v1; Invoke-StackPromotion training 1.0.0 -To staging; Request-StackPromotion training 1.0.0 -To production");
        Environment.SetEnvironmentVariable("STACKOPS_USER", "alice@example.com");
        Ok("Approve-StackPromotion training 1.0.0 -To production");

        proxy.FailAfterUploads(2);
        var error = _ps.Fails("Invoke-StackPromotion training 1.0.0 -To production", $"ImageCopyFailed,{Commands}.InvokeStackPromotionCommand");
        Assert.Contains("keeps its current version", error.ErrorDetails.Message);
        Assert.Null(Current("production"));
        Assert.InRange(_registries.Production.UploadsInto(Repo("production")), 2, 12);

        proxy.Heal();
        Ok("Invoke-StackPromotion training 1.0.0 -To production");
        Assert.Equal("1.0.0", Current("production"));
        Assert.Equal(13, _registries.Production.UploadsInto(Repo("production")));
        Assert.Equal(["Succeeded", "Fulfilled", "Failed"], Ok("Get-StackPromotion training -Stage production").Select(r => Prop(r, "State")!.ToString()));
    }

    [Fact]
    public void AnOlderVersionOfTheFirstStageCanStillBePromoted()
    {
        Publish("1.0.0");
        Publish("1.1.0");
        Ok("Invoke-StackPromotion training 1.0.0 -To staging");
        Assert.Equal("1.0.0", Current("staging"));
        var never = _ps.Fails("Invoke-StackPromotion training 1.1.0 -To production", $"VersionNotCurrent,{Commands}.InvokeStackPromotionCommand");
        Assert.Contains("Promote it there first: Invoke-StackPromotion training 1.1.0 -To staging.", never.ErrorDetails.Message);
        var unset = _ps.Fails("Publish-StackPipeline training 1.2.0 -SourceRevision $sha", $"EmptyArgument,{Commands}.PublishStackPipelineCommand");
        Assert.StartsWith("-SourceRevision is empty (a variable that was never set?)", unset.ErrorDetails.Message);
    }

    [Theory]
    [InlineData("Invoke-StackPromotion nope 1.0.0 -To staging", "PipelineNotFound")]
    [InlineData("Invoke-StackPromotion training 9.9.9 -To staging", "VersionNotFound")]
    [InlineData("Invoke-StackPromotion training 1.0.0 -To qa", "StageNotFound")]
    [InlineData("Invoke-StackPromotion training 1.0.0 -To production -From dev", "StageSkipped")]
    public void BadInputIsAClearErrorAndChangesNothing(string script, string errorId)
    {
        Publish("1.0.0");
        var before = _ps.Snapshot();
        _ps.Fails(script, $"{errorId},{Commands}.InvokeStackPromotionCommand");
        Assert.Equal(before, _ps.Snapshot());
    }

    [Fact]
    public void GatesAndStepsFailWithTheirOwnErrorIds()
    {
        Publish("1.0.0", "refs/heads/feature/x");
        _ps.Fails("Invoke-StackPromotion training 1.0.0 -To production", $"VersionNotCurrent,{Commands}.InvokeStackPromotionCommand");
        Ok("Invoke-StackPromotion training 1.0.0 -To staging");
        Ok("Request-StackPromotion training 1.0.0 -To production");
        Environment.SetEnvironmentVariable("STACKOPS_USER", "bob@example.com");
        Ok("Approve-StackPromotion training 1.0.0 -To production");
        var refused = _ps.Fails("Invoke-StackPromotion training 1.0.0 -To production", $"RefNotAllowed,{Commands}.InvokeStackPromotionCommand");
        Assert.Contains("refs/heads/feature/x is not allowed", refused.ErrorDetails.Message);
        Environment.SetEnvironmentVariable("STACKOPS_USER", "carol@example.com");
        _ps.Fails("Approve-StackPromotion training 1.0.0 -To production", $"ApproverNotAllowed,{Commands}.ApproveStackPromotionCommand");
        Ok("Deny-StackPromotion training 1.0.0 -To production -Comment 'not from a branch'");
        Assert.Equal("Denied", Prop(Ok("Get-StackPromotion training -Stage production -State Denied").Single(), "State")!.ToString());
        Assert.Null(Current("production"));
    }
}
