using System.Diagnostics;
using System.Text.Json;
using StackOps.Core.Cloud;
using StackOps.Core.Errors;
using StackOps.Tests.Shared;
using Xunit;

namespace StackOps.Core.Tests;

/// <summary>
/// Cloud stacks with the machine's real terraform: the AWS module planned offline, then deployed,
/// re-deployed and destroyed against a loopback AWS (S3, IAM, ECR, STS) that keeps what the
/// provider creates; the Azure and GCP modules checked for format and for their contract.
/// </summary>
public sealed class CloudStackTests : IDisposable
{
    private readonly TestStore _store = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("stackops-cloud-").FullName;

    private static CloudStackRequest Production(string provider = "aws", IReadOnlyDictionary<string, object?>? variables = null) =>
        new(provider, "production", "eu-west-1", "acme/ml", "production", Principals: ["arn:aws:iam::123456789012:user/alice"], Variables: variables);

    private string Module => Path.Combine(_folder, "production");

    private CloudStackModule WriteAws(FakeAws aws)
    {
        var module = _store.Engine.CloudStacks.Write(Production(), Module, force: false);
        TerraformMirror.PointAt(Module, aws);
        return module;
    }

    [Fact]
    public void NewWritesAReviewableModuleWithItsVariablesAndKeepsStateOutOfGit()
    {
        var module = _store.Engine.CloudStacks.Write(Production(), Module, force: false);
        Assert.Equal(["main.tf", "outputs.tf", "variables.tf", "common-variables.tf", CloudStackService.VariablesFile, ".gitignore"], module.Files);
        var variables = JsonDocument.Parse(File.ReadAllText(Path.Combine(Module, CloudStackService.VariablesFile))).RootElement;
        Assert.Equal(("production", "acme/ml", "sagemaker"), (variables.GetProperty("stack_name").GetString(), variables.GetProperty("github_repository").GetString(), variables.GetProperty("orchestrator").GetString()));
        Assert.Contains("*.tfstate", File.ReadAllText(Path.Combine(Module, ".gitignore")));
        Assert.Equal("CloudStackModuleExists", Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Write(Production(), Module, force: false)).ErrorId);
        Assert.Equal("CloudStackModuleMismatch", Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Deploy("staging", Module, _ => { })).ErrorId);
        File.WriteAllText(Path.Combine(Module, CloudStackService.VariablesFile), "{ \"stack_name\": ");
        Assert.Equal("CloudStackModuleInvalid", Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Deploy("production", Module, _ => { })).ErrorId);
        _store.Engine.CloudStacks.Write(Production(), Module, force: true);
    }

    [Theory]
    [InlineData("aws", "kubernetes", null, "ClusterNameMissing")]
    [InlineData("aws", "vertex", null, "UnsupportedOrchestrator")]
    [InlineData("gcp", null, null, "ModuleVariableMissing")]
    [InlineData("azure", null, "no_such_variable", "UnknownModuleVariable")]
    [InlineData("openstack", null, null, "UnknownCloudProvider")]
    public void ABadRequestIsRefusedBeforeAnyFileIsWritten(string provider, string? orchestrator, string? variable, string error)
    {
        var request = Production(provider, variable is null ? null : new Dictionary<string, object?> { [variable] = "x", ["subscription_id"] = "s" }) with { Orchestrator = orchestrator };
        Assert.Equal(error, Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Write(request, Module, force: false)).ErrorId);
        Assert.False(Directory.Exists(Module));
    }

    [Fact]
    public void RepositoryAndEnvironmentMustBeWhatGitHubNames()
    {
        Assert.Equal("InvalidRepository", Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Write(Production() with { Repository = "acme/ml\"} evil" }, Module, false)).ErrorId);
        Assert.Equal("InvalidEnvironment", Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Write(Production() with { Environment = "prod\"" }, Module, false)).ErrorId);
    }

    [SkippableFact]
    public void EveryModuleIsFormattedAndKeepsTheOutputContract()
    {
        Skip.If(TerraformMirror.Missing is not null, TerraformMirror.Missing);
        foreach (var provider in CloudProviders.All)
        {
            var folder = Path.Combine(_folder, provider.Name);
            var variables = provider.RequiredVariables.ToDictionary(v => v, v => (object?)"value");
            _store.Engine.CloudStacks.Write(Production(provider.Name, variables), folder, force: false);
            Assert.Equal(0, Run(folder, "fmt", "-check", "-recursive").Code);
            var outputs = File.ReadAllText(Path.Combine(folder, "outputs.tf"));
            foreach (var key in new[] { "output \"stackops\"", "connector = {", "auth_method", "artifact_store = {", "container_registry = {", "orchestrator = {", "subject" })
                Assert.Contains(key, outputs);
            var main = File.ReadAllText(Path.Combine(folder, "main.tf"));
            Assert.DoesNotContain("module \"", main);
            Assert.Contains("token.actions.githubusercontent.com", main);
        }
        var azure = File.ReadAllText(Path.Combine(_folder, "azure", "main.tf"));
        foreach (var resource in new[] { "azurerm_resource_group", "azurerm_storage_account", "azurerm_storage_container", "azurerm_container_registry", "azurerm_user_assigned_identity", "azurerm_federated_identity_credential", "azurerm_role_assignment" })
            Assert.Contains($"resource \"{resource}\"", azure);
        var gcp = File.ReadAllText(Path.Combine(_folder, "gcp", "main.tf"));
        foreach (var resource in new[] { "google_storage_bucket", "google_artifact_registry_repository", "google_service_account", "google_iam_workload_identity_pool", "google_iam_workload_identity_pool_provider" })
            Assert.Contains($"resource \"{resource}\"", gcp);
    }

    [SkippableFact]
    public void TheAwsModuleInitsValidatesAndPlansWithNoNetwork()
    {
        Skip.If(TerraformMirror.Missing is not null, TerraformMirror.Missing);
        using var unreachable = new FakeAws();
        _store.Engine.CloudStacks.Write(Production("aws", new Dictionary<string, object?> { ["account_id"] = FakeAws.Account }), Module, force: false);
        TerraformMirror.PointAt(Module, unreachable);
        unreachable.Dispose();
        Assert.Equal(0, Run(Module, "init", "-input=false", "-no-color").Code);
        Assert.Equal(0, Run(Module, "validate", "-no-color").Code);
        var plan = _store.Engine.CloudStacks.Plan("production", Module);
        Assert.Equal(["aws_ecr_repository", "aws_iam_role", "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy", "aws_s3_bucket", "aws_s3_bucket_public_access_block",
            "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning"], plan.Where(c => c.Action == "create").Select(c => c.ResourceType).Order());
        Assert.DoesNotContain(_store.Engine.Stacks.List().Items, s => s.Name == "production");
    }

    [SkippableFact]
    public void DeployRegistersTheStackAndRemoveLeavesNothingInTheCloudOrTheStore()
    {
        Skip.If(TerraformMirror.Missing is not null, TerraformMirror.Missing);
        using var aws = new FakeAws();
        WriteAws(aws);
        var progress = new List<TerraformProgress>();

        var deployment = _store.Engine.CloudStacks.Deploy("production", Module, progress.Add);

        Assert.Contains("production-artifacts-123456789012", aws.Buckets);
        Assert.Contains("<Status>Enabled</Status>", aws.BucketSetting("production-artifacts-123456789012", "versioning"));
        Assert.Contains("<BlockPublicAcls>true</BlockPublicAcls>", aws.BucketSetting("production-artifacts-123456789012", "publicAccessBlock"));
        Assert.Contains("AES256", aws.BucketSetting("production-artifacts-123456789012", "encryption"));
        Assert.Equal("IMMUTABLE", (string)aws.Repository("production")["imageTagMutability"]!);
        Assert.True((bool)aws.Repository("production")["imageScanningConfiguration"]!["scanOnPush"]!);

        var (trust, policies) = aws.Role("production-stackops-connector");
        Assert.Contains("\"token.actions.githubusercontent.com:sub\":\"repo:acme/ml:environment:production\"", trust);
        Assert.Contains("arn:aws:iam::123456789012:user/alice", trust);
        var policy = policies["stackops-connector"];
        Assert.Contains("arn:aws:s3:::production-artifacts-123456789012/*", policy);
        Assert.Contains("arn:aws:ecr:eu-west-1:123456789012:repository/production", policy);
        Assert.DoesNotContain("\"Action\":\"*\"", policy);
        Assert.Contains(progress, p => p.State == "complete" && p.Address == "aws_s3_bucket.artifacts");
        Assert.Equal(progress.Count(p => p.State == "complete"), progress.Max(p => p.Finished));

        var stack = _store.Engine.Stacks.Get("production");
        Assert.Equal(("production-artifacts", "production-registry", "production-orchestrator"), (stack["artifact_store"], stack["container_registry"], stack["orchestrator"]));
        var connector = _store.Engine.Connectors.Get("production-aws");
        Assert.Equal(("aws", "web-identity"), (connector.Type, connector.AuthMethod));
        var store = _store.Engine.Components.Get("artifact_store", "production-artifacts");
        Assert.Equal(("s3", "production-aws", "s3://production-artifacts-123456789012"), (store.Flavor, store.Connector!.Name, store.Connector.ResourceId));
        Assert.Equal("arn:aws:iam::123456789012:role/production-sagemaker-execution", _store.Engine.Components.Get("orchestrator", "production-orchestrator").Configuration["execution_role"]);
        Assert.Equal("production-registry", deployment.Components["container_registry"]);
        Assert.True(_store.Engine.Stacks.Test("production", Secrets.SecretValidation.None).IsValid);

        var before = aws.Actions.Count(a => a.StartsWith("iam:Create", StringComparison.Ordinal));
        _store.Engine.CloudStacks.Deploy("production", Module, _ => { });
        Assert.Equal(before, aws.Actions.Count(a => a.StartsWith("iam:Create", StringComparison.Ordinal)));
        Assert.DoesNotContain(_store.Engine.CloudStacks.Plan("production", Module), c => c.Action is not ("no-op" or "read"));

        var removed = _store.Engine.CloudStacks.Remove("production", Module, force: false, _ => { });

        Assert.Equal(["ml-production", "ml-staging"], aws.Buckets);
        Assert.Empty(aws.Roles);
        Assert.Empty(aws.Repositories);
        Assert.Equal(5, removed.Count);
        Assert.DoesNotContain(_store.Engine.Stacks.List().Items, s => s.Name == "production");
        Assert.DoesNotContain(_store.Engine.Connectors.List().Items, c => c.Name == "production-aws");
        Assert.DoesNotContain(_store.Engine.Components.List().Items, c => c.Name.StartsWith("production-", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void AFailedApplyRegistersNothingKeepsTheStateAndARunAgainContinues()
    {
        Skip.If(TerraformMirror.Missing is not null, TerraformMirror.Missing);
        using var aws = new FakeAws { FailNextEcr = "CreateRepository" };
        WriteAws(aws);

        var failed = Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Deploy("production", Module, _ => { }));

        Assert.Equal("TerraformFailed", failed.ErrorId);
        Assert.Contains("InvalidParameterException", failed.Message);
        Assert.Contains("run the command again", failed.Message);
        Assert.Contains("production-artifacts-123456789012", aws.Buckets);
        Assert.Empty(aws.Repositories);
        Assert.DoesNotContain(_store.Engine.Stacks.List().Items, s => s.Name == "production");
        Assert.Empty(_store.Engine.Connectors.List().Items);
        Assert.True(File.Exists(Path.Combine(Module, "terraform.tfstate")));

        _store.Engine.CloudStacks.Deploy("production", Module, _ => { });

        Assert.Equal(["production"], aws.Repositories);
        Assert.Equal(1, aws.Actions.Count(a => a == "s3:PUT production-artifacts-123456789012?"));
        Assert.Equal("production-registry", _store.Engine.Stacks.Get("production")["container_registry"]);
    }

    [SkippableFact]
    public void ANameTakenByAnotherStackIsRefusedBeforeTerraformRuns()
    {
        Skip.If(TerraformMirror.Missing is not null, TerraformMirror.Missing);
        using var aws = new FakeAws();
        WriteAws(aws);
        _store.AddRemoteStack("production");

        var conflict = Assert.Throws<StackOpsException>(() => _store.Engine.CloudStacks.Deploy("production", Module, _ => { }));

        Assert.Equal("CloudStackConflict", conflict.ErrorId);
        Assert.Empty(aws.Server.Requests);
    }

    [Fact]
    public void TerraformMissingOrTooOldSaysWhatToInstall()
    {
        Assert.Equal("TerraformNotFound", Assert.Throws<StackOpsException>(() => Terraform.For(_folder, "/bin/false", _ => { })).ErrorId);
        var garbage = Path.Combine(_folder, "garbage");
        File.WriteAllText(garbage, "#!/bin/sh\necho 'Terraform v1.11.4'\n");
        File.SetUnixFileMode(garbage, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        Assert.Equal("TerraformNotFound", Assert.Throws<StackOpsException>(() => Terraform.For(_folder, garbage, _ => { })).ErrorId);
        var old = Path.Combine(_folder, "terraform");
        File.WriteAllText(old, "#!/bin/sh\necho '{\"terraform_version\":\"1.3.9\"}'\n");
        File.SetUnixFileMode(old, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var tooOld = Assert.Throws<StackOpsException>(() => Terraform.For(_folder, old, _ => { }));
        Assert.Equal("TerraformTooOld", tooOld.ErrorId);
        Assert.Contains("1.5.0 or later", tooOld.Message);
    }

    private static (int Code, string Output) Run(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo(TerraformMirror.Executable!) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Trim());
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// A deployed AWS stack in use: a promotion into it signs in keylessly (the job's token, the role
/// the module created, whose trust policy the loopback AWS evaluates), logs in to its registry
/// through ECR's GetAuthorizationToken and copies the image there; while the version is current
/// there, Remove refuses unless forced.
/// </summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class CloudStackPromotionTests(TwoRegistries registries) : IClassFixture<TwoRegistries>, IDisposable
{
    private static readonly string[] Variables = ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", Pipelines.Identity.Variable];
    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly TestStore _store = new();

    [SkippableFact]
    public void APromotionIntoADeployedStackSignsInKeylesslyAndRemoveRefusesItUnlessForced()
    {
        Skip.If(TerraformMirror.Missing is not null, TerraformMirror.Missing);
        using var issuer = new FakeOidcIssuer();
        using var aws = new FakeAws(issuer) { RegistryHost = registries.Production.Host, RegistryLogin = (DockerRegistry.ProductionUser, DockerRegistry.ProductionPassword) };
        var engine = _store.Engine;
        var module = Path.Combine(_store.Root, "infrastructure", "production");
        engine.Pipelines.Create("training", [new Pipelines.PipelineRequirement("container_registry", [])], "ml/trainer");
        engine.CloudStacks.Write(new CloudStackRequest("aws", "production", "eu-west-1", FakeOidcIssuer.Repository, "production"), module, force: false);
        TerraformMirror.PointAt(module, aws);
        var shared = registries.Shared;
        engine.Connectors.Create("registry-shared", "docker", "password", new Dictionary<string, object?> { ["username"] = shared.UserName },
            new Dictionary<string, string> { ["password"] = shared.UserPassword }, "docker-registry", shared.Host);
        engine.Components.Create("container_registry", "dev-registry", "default", new Dictionary<string, object?> { ["uri"] = $"{shared.Host}/cloud/dev" });
        engine.Connectors.Connect("container_registry", "dev-registry", "registry-shared");
        engine.Stacks.Create("dev", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default", ["container_registry"] = "dev-registry" });

        engine.CloudStacks.Deploy("production", module, _ => { });
        engine.Connectors.Update("production-aws", new Dictionary<string, object?> { ["endpoint_url"] = aws.Server.BaseAddress.ToString() }, verify: false);
        engine.Pipelines.SetLifecycle("""
            apiVersion: stackops.io/v1
            kind: Lifecycle
            metadata: { name: ml }
            spec:
              stages:
                - name: dev
                  stack: dev
                - name: production
                  stack: production
                  environment: production
            """, "lifecycle");
        Environment.SetEnvironmentVariable(Pipelines.Identity.Variable, "publisher@example.com");
        shared.Push("cloud/dev/ml/trainer", "1.0.0", "cloud layer a", "cloud layer b");
        var version = engine.Pipelines.Publish("training", "1.0.0", sourceRevision: "0123abcd", sourceRef: "refs/heads/main");
        Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_URL", issuer.RequestUrl);
        Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", FakeOidcIssuer.RequestToken);

        var promotion = engine.Promotions.Invoke("training", "1.0.0", "production");

        Assert.True(promotion.Promoted, promotion.Record.FailedStep?.Message);
        Assert.Equal(version.ImageDigest, DockerRegistry.Digest(registries.Production.Manifest("production/ml/trainer", version.ImageDigest)));
        Assert.Contains("AssumeRoleWithWebIdentity", aws.Actions);
        Assert.Contains("ecr:GetAuthorizationToken", aws.Actions);
        Assert.Equal(["production", "production/ml/trainer"], aws.Repositories);

        var refused = Assert.Throws<StackOpsException>(() => engine.CloudStacks.Remove("production", module, force: false, _ => { }));
        Assert.Equal("CloudStackInUse", refused.ErrorId);
        Assert.Contains("training 1.0.0", refused.Message);
        Assert.Contains("production-stackops-connector", aws.Roles);

        engine.CloudStacks.Remove("production", module, force: true, _ => { });

        Assert.Empty(aws.Roles);
        Assert.DoesNotContain(engine.Stacks.List().Items, s => s.Name == "production");
    }

    public void Dispose()
    {
        foreach (var (variable, value) in _saved) Environment.SetEnvironmentVariable(variable, value);
        _store.Dispose();
    }
}
