using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.Core.Tests;

public sealed class ValidationTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Theory]
    [InlineData("UnknownConfigurationKey", "paht", "s3://bucket")]
    [InlineData("MissingConfigurationKey", "key", "{{ aws.key }}")]
    [InlineData("InvalidConfigurationValue", "path", 42L)]
    public void ConfigurationProblemsNameTheKeyAndWriteNothing(string errorId, string key, object value)
    {
        var error = Assert.Throws<StackOpsException>(() =>
            _store.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { [key] = value }));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains(errorId == "MissingConfigurationKey" ? "'path'" : $"'{key}'", error.Message);
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void ErrorsNeverRepeatAConfigurationValue()
    {
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Components.Create("artifact_store", "s3", "s3",
            new Dictionary<string, object?> { ["path"] = "s3://b", ["key"] = 12345678L, ["secret"] = "hunter2-plain-text" }));
        Assert.DoesNotContain("12345678", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public void AnUnknownFlavorIsNotFound()
    {
        Assert.Equal("FlavorNotFound", Assert.Throws<StackOpsException>(() =>
            _store.Engine.Components.Create("orchestrator", "x", "nomad", new Dictionary<string, object?>())).ErrorId);
    }

    [Fact]
    public void DefaultsApplyOnReadAndAreNeverWritten()
    {
        _store.Engine.Components.Create("orchestrator", "k8s", "kubernetes", new Dictionary<string, object?>());
        var component = _store.Engine.Components.Get("orchestrator", "k8s");
        Assert.Empty(component.Configuration);
        Assert.Equal("zenml", component.EffectiveConfiguration["kubernetes_namespace"]);
        Assert.DoesNotContain("kubernetes_namespace", File.ReadAllText(_store.File("components/orchestrator/k8s.yaml")));
    }

    [Fact]
    public void ARemoteOrchestratorNeedsARegistryAndRejectsLocalComponentsUnlessToldToSkipThatCheck()
    {
        _store.Engine.Components.Create("orchestrator", "k8s", "kubernetes", new Dictionary<string, object?>());
        _store.Engine.Components.Create("container_registry", "local-registry", "default", new Dictionary<string, object?> { ["uri"] = "localhost:5000" });
        var withoutRegistry = Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create("remote",
            new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default" }));
        Assert.Equal("RequiredComponentMissing", withoutRegistry.ErrorId);
        Assert.Contains("container_registry", withoutRegistry.Message);

        var local = Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create("remote",
            new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default", ["container_registry"] = "local-registry" }));
        Assert.Equal("LocalComponentNotAllowed", local.ErrorId);
        Assert.Contains("'default'", local.Message);
        Assert.Contains("'local-registry'", local.Message);
        Assert.DoesNotContain(Directory.EnumerateFiles(_store.Root, "*.yaml", SearchOption.AllDirectories), f => f.Contains("stacks"));

        _store.Engine.Components.Update("orchestrator", "k8s", new Dictionary<string, object?> { ["skip_local_validations"] = true });
        _store.Engine.Stacks.Create("remote", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default", ["container_registry"] = "local-registry" });
    }

    [Fact]
    public void TestStackReportsOneFindingPerProblemWithFileAndLine()
    {
        _store.AddRemoteStack();
        // A hand edit that breaks two rules of the s3 flavor: an unknown key and a wrong type.
        var file = _store.File("components/artifact_store/s3-staging.yaml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("    path: s3://ml-staging/artifacts\n", "    path: 42\n    colour: blue\n"));
        File.Delete(_store.File("components/container_registry/ecr.yaml"));

        var result = _store.Engine.Stacks.Test("staging");

        Assert.False(result.IsValid);
        Assert.Equal(["ComponentNotFound", "InvalidConfigurationValue", "UnknownConfigurationKey"], result.Findings.Select(f => f.Code).Order());
        var wrongType = result.Findings.Single(f => f.Code == "InvalidConfigurationValue");
        Assert.Equal(("s3-staging", "path", file), (wrongType.Component, wrongType.Field, wrongType.File));
        Assert.Equal(File.ReadAllLines(file).ToList().FindIndex(l => l.Contains("path: 42")) + 1, wrongType.Line);
    }

    [Fact]
    public void AValidRemoteStackPasses()
    {
        _store.AddRemoteStack();
        var result = _store.Engine.Stacks.Test("staging");
        Assert.True(result.IsValid, string.Join("\n", result.Findings));
    }

    [Theory]
    [InlineData("{{ aws.key }}", "aws", "key")]
    [InlineData("{{aws.key}}", "aws", "key")]
    [InlineData("{{ a.b.c }}", "a", "b.c")]
    public void SecretReferencesFollowZenMLSyntax(string value, string name, string key)
    {
        Assert.True(SecretReference.TryParse(value, out var reference));
        Assert.Equal((name, key), (reference.SecretName, reference.Key));
    }

    [Theory]
    [InlineData("{{n . k}}")]
    [InlineData("{n.k}")]
    [InlineData("${{n.k}}")]
    [InlineData("{{nodot}}")]
    [InlineData("prefix {{ n.k }}")]
    public void NotSecretReferences(string value) => Assert.False(SecretReference.IsReference(value));

    [Fact]
    public void AClearTextFieldRefusesASecretReference()
    {
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Components.Create("container_registry", "r", "default",
            new Dictionary<string, object?> { ["uri"] = "{{ registry.uri }}" }));
        Assert.Equal("InvalidConfigurationValue", error.ErrorId);
    }

    [Fact]
    public void TheBuiltInCatalogHasEveryFlavorTheProductPromises()
    {
        var promised = new Dictionary<string, string[]>
        {
            ["orchestrator"] = ["local", "local_docker", "kubernetes", "kubeflow", "airflow", "sagemaker", "vertex", "azureml", "github"],
            ["artifact_store"] = ["local", "s3", "gcp", "azure"],
            ["container_registry"] = ["default", "dockerhub", "github", "aws", "gcp", "azure"],
            ["experiment_tracker"] = ["mlflow", "wandb", "neptune", "comet"],
            ["step_operator"] = ["sagemaker", "vertex", "azureml", "kubernetes"],
            ["model_deployer"] = ["mlflow", "seldon", "bentoml"],
            ["model_registry"] = ["mlflow"],
            ["image_builder"] = ["local", "kaniko", "aws", "gcp"],
            ["alerter"] = ["slack", "discord"],
            ["annotator"] = ["label_studio", "argilla"],
            ["data_validator"] = ["great_expectations", "evidently", "deepchecks"],
            ["feature_store"] = ["feast"],
        };
        foreach (var (type, flavors) in promised)
            foreach (var flavor in flavors)
                Assert.True(FlavorCatalog.FindBuiltIn(type, flavor) is not null, $"{type}/{flavor} is missing");
        Assert.Contains(FlavorCatalog.BuiltIn, f => f.Type == "log_store");
        Assert.Contains(FlavorCatalog.BuiltIn, f => f.Type == "deployer");
        foreach (var remote in new[] { "kubernetes", "kubeflow", "airflow", "sagemaker", "vertex", "azureml", "github" })
        {
            var flavor = FlavorCatalog.FindBuiltIn("orchestrator", remote)!;
            Assert.Contains("container_registry", flavor.Requirements.Components);
            Assert.True(flavor.Requirements.RejectLocalComponents, remote);
        }
    }
}
