using System.Management.Automation;
using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// The cloud stack cmdlets in the hosted engine: New-, Deploy- (with -WhatIf's plan and progress)
/// and Remove-CloudStack with the machine's terraform against the loopback AWS; Register-CloudStack
/// from what an AWS connector reaches, with a container registry component on the real local
/// docker-registry, by parameters, at a console prompt, and refused where nobody can be asked.
/// </summary>
public sealed class CloudStackCmdletTests : IClassFixture<RegistryFixture>, IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly TestHost _host = new();
    private readonly PowerShellSession _ps;
    private readonly FakeAws _aws = new();
    private readonly DockerRegistry _registry;

    public CloudStackCmdletTests(RegistryFixture registry)
    {
        _registry = registry.Registry;
        _ps = new PowerShellSession(host: _host);
        _ps.Ok(SecretCmdletTests.SecureHelper);
        Directory.CreateDirectory(Path.Combine(_ps.WorkingDirectory, ".git"));
        File.WriteAllText(Path.Combine(_ps.WorkingDirectory, ".git", "config"), "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/ml.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n");
        _ps.Ok("$null = Initialize-StackRepository .");
    }

    /// <summary>Cmdlets the WhatIf tests leave to these: their -WhatIf runs terraform plan or asks a connector.</summary>
    public static bool WorksWithTerraformOrAConnector(Type cmdlet) =>
        cmdlet.Name is "DeployCloudStackCommand" or "RemoveCloudStackCommand" or "RegisterCloudStackCommand";

    [SkippableFact]
    public void NewWhatIfDeployAndRemoveThroughTheModule()
    {
        Skip.If(TerraformMirror.Missing is not null, TerraformMirror.Missing);
        var module = _ps.Ok("New-CloudStack production -Provider aws -Region eu-west-1 -Principal arn:aws:iam::123456789012:user/alice").Single();

        var path = (string)module.Properties["Path"].Value;
        Assert.Equal(Path.Combine(_ps.WorkingDirectory, ".stackops", "infrastructure", "production"), path);
        var variables = File.ReadAllText(Path.Combine(path, "stackops.auto.tfvars.json"));
        Assert.Contains("\"github_repository\": \"acme/ml\"", variables);
        Assert.Contains("\"github_environment\": \"production\"", variables);
        TerraformMirror.PointAt(path, _aws);

        var plan = _ps.Ok("Deploy-CloudStack production -WhatIf");
        Assert.Equal(9, plan.Count(c => (string)c.Properties["Action"].Value == "create"));
        Assert.Contains(plan, c => (string)c.Properties["Address"].Value == "aws_s3_bucket.artifacts");
        Assert.DoesNotContain(_aws.Actions, a => a.Contains("Create", StringComparison.Ordinal));
        _ps.Fails("Get-Stack production -ErrorAction Stop", $"StackNotFound,{Commands}.GetStackCommand");

        var stack = _ps.Ok("Deploy-CloudStack production").Single();

        Assert.Equal("production", stack.Properties["Name"].Value);
        Assert.Contains(_host.Written, line => line.Contains("Deploying cloud stack production", StringComparison.Ordinal) && line.Contains("aws_s3_bucket.artifacts", StringComparison.Ordinal));
        Assert.Equal("web-identity", _ps.Ok("(Get-ServiceConnector production-aws).AuthMethod").Single().BaseObject);
        Assert.True((bool)_ps.Ok("Test-Stack production -SecretValidation None -Quiet").Single().BaseObject);
        _ps.Fails("New-CloudStack production -Provider aws -Region eu-west-1", $"CloudStackModuleExists,{Commands}.NewCloudStackCommand");

        _ps.Ok("Remove-CloudStack production -WhatIf");
        Assert.Contains("production-stackops-connector", _aws.Roles);

        _ps.Ok("Remove-CloudStack production -Confirm:$false");

        Assert.Empty(_aws.Roles);
        Assert.Equal(["ml-production", "ml-staging"], _aws.Buckets);
        _ps.Fails("Get-Stack production -ErrorAction Stop", $"StackNotFound,{Commands}.GetStackCommand");
        Assert.Empty(_ps.Ok("Get-ServiceConnector | Where-Object Name -eq production-aws"));
    }

    [Fact]
    public void NewNeedsARepositoryWhenNoRemoteOrJobNamesOne()
    {
        File.Delete(Path.Combine(_ps.WorkingDirectory, ".git", "config"));
        _ps.Fails("New-CloudStack production -Provider aws -Region eu-west-1", $"GitHubRepositoryMissing,{Commands}.NewCloudStackCommand");
        _ps.Fails("New-CloudStack production -Provider gcp -Region europe-west1 -Repository acme/ml", $"ModuleVariableMissing,{Commands}.NewCloudStackCommand");
        Assert.Single(_ps.Ok("New-CloudStack ml -Provider gcp -Region europe-west1 -Repository acme/ml -Variable @{ project_id = 'ml-prod' }"));
    }

    private void ArrangeConnectors()
    {
        _ps.Ok($$"""
            $null = New-ServiceConnector aws-dev aws secret-key -Configuration @{ region = 'eu-west-1'; endpoint_url = '{{_aws.Server.BaseAddress}}'; aws_access_key_id = (S '{{FakeAws.AccessKeyId}}'); aws_secret_access_key = (S '{{FakeAws.SecretAccessKey}}') }
            $null = New-ServiceConnector local-registry docker password -Configuration @{ username = '{{_registry.UserName}}'; password = (S '{{_registry.UserPassword}}') } -ResourceType docker-registry -ResourceId {{_registry.Host}}
            $null = New-StackComponent container_registry local-registry default -Configuration @{ uri = '{{_registry.Host}}/team' }
            $null = Connect-StackComponent container_registry local-registry -Connector local-registry
            """);
    }

    [Fact]
    public void RegisterBuildsTheStackFromWhatTheConnectorReachesAndSaysHowToUndoIt()
    {
        ArrangeConnectors();

        var result = _ps.Run("Register-CloudStack ml-dev -Connector aws-dev -ArtifactStore s3://ml-staging -ContainerRegistry local-registry -Orchestrator default");
        Assert.Empty(result.Errors);
        var registration = result.Single();

        Assert.Equal(["artifact_store ml-dev-artifacts"], ((IEnumerable<string>)registration.Properties["CreatedComponents"].Value).ToList());
        var store = _ps.Ok("Get-StackComponent ml-dev-artifacts -Type artifact_store").Single();
        Assert.Equal(("s3", "s3://ml-staging"), ((string)store.Properties["Flavor"].Value, ((System.Collections.IDictionary)store.Properties["Configuration"].Value)["path"]));
        Assert.Equal("aws-dev", _ps.Ok("(Get-StackComponent ml-dev-artifacts -Type artifact_store).Connector.Name").Single().BaseObject);
        Assert.Equal("local-registry", _ps.Ok("(Get-Stack ml-dev).ContainerRegistry").Single().BaseObject);
        Assert.True((bool)_ps.Ok("Test-Stack ml-dev -SecretValidation None -Quiet").Single().BaseObject);
        Assert.Contains("To remove what this created: Remove-Stack ml-dev; Remove-StackComponent -Type artifact_store -Name ml-dev-artifacts", result.AllText);

        foreach (var command in (IEnumerable<string>)registration.Properties["RemoveCommands"].Value) _ps.Ok(command + " -Confirm:$false");
        Assert.Empty(_ps.Ok("Get-StackComponent -Type artifact_store | Where-Object Name -eq ml-dev-artifacts"));
        Assert.Single(_ps.Ok("Get-StackComponent local-registry -Type container_registry"));
    }

    [Fact]
    public void AtTheConsoleItAsksAndWhereNobodyCanAnswerItListsTheChoices()
    {
        ArrangeConnectors();
        _host.Answers.Enqueue("s3://ml-production");
        _host.Answers.Enqueue("local-registry");
        _host.Answers.Enqueue("default");

        _ps.Ok("$null = Register-CloudStack asked -Connector aws-dev");

        Assert.Contains(_host.Offered, label => label.EndsWith("s3://ml-staging", StringComparison.Ordinal));
        Assert.Equal("asked-artifacts", _ps.Ok("(Get-Stack asked).ArtifactStore").Single().BaseObject);

        _ps.Ok("$env:CI = 'true'");
        var refused = _ps.Fails("Register-CloudStack unasked -Connector aws-dev -ContainerRegistry local-registry -Orchestrator default", $"CloudStackChoiceRequired,{Commands}.RegisterCloudStackCommand");
        Assert.Contains("-ArtifactStore", refused.Exception.Message);
        Assert.Contains("s3://ml-staging (new s3)", refused.Exception.Message);
        _ps.Fails("Register-CloudStack unasked -Connector aws-dev -ArtifactStore s3://elsewhere -ContainerRegistry local-registry -Orchestrator default", $"CloudStackChoiceUnknown,{Commands}.RegisterCloudStackCommand");
        Assert.Empty(_ps.Ok("Get-StackComponent | Where-Object Name -like unasked*"));
    }

    public void Dispose()
    {
        _aws.Dispose();
        _ps.Dispose();
    }
}
