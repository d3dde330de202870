using StackOps.Core.Errors;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>
/// Components with code, behind the public contracts: the built-in artifact stores (a local folder, an
/// S3 bucket through the loopback AWS) and container registries (the real docker-registry), and an
/// integration's connector type, artifact store and container registry, all checked and listed the same way.
/// </summary>
public sealed class ComponentBehaviourTests : IDisposable
{
    private readonly TestStore _store = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("stackops-artifacts-").FullName;
    private StackOpsEngine Engine => _store.Engine;

    private static Dictionary<string, object?> Settings(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private static StackOpsException Throws(Action action) => Assert.Throws<StackOpsException>(action);

    [Fact]
    public void ALocalArtifactStoreIsCheckedAndListedFolderByFolder()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "models", "v1"));
        File.WriteAllText(Path.Combine(_folder, "models", "v1", "weights.bin"), "12345");
        File.WriteAllText(Path.Combine(_folder, "readme.txt"), "hi");
        Engine.Components.Create("artifact_store", "files", "local", Settings(("path", _folder)));

        var check = Engine.Behaviour.Test(null, "files");
        Assert.True(check.Reachable, check.Message);
        Assert.Equal(["models/", "readme.txt"], Engine.Behaviour.Items("artifact_store", "files").Select(i => i.Path));
        var weights = Assert.Single(Engine.Behaviour.Items("artifact_store", "files", "models/v1"));
        Assert.Equal(("models/v1/weights.bin", 5L, false), (weights.Path, weights.Size, weights.IsFolder));

        Assert.Equal("InvalidPath", Throws(() => Engine.Behaviour.Items(null, "files", "../..")).ErrorId);
        Assert.Equal("PathNotFound", Throws(() => Engine.Behaviour.Items(null, "files", "nowhere")).ErrorId);
        Engine.Components.Create("artifact_store", "gone", "local", Settings(("path", Path.Combine(_folder, "missing"))));
        var missing = Engine.Behaviour.Test("artifact_store", "gone");
        Assert.False(missing.Reachable);
        Assert.Contains("does not exist", missing.Message);
    }

    [Fact]
    public void AnS3ArtifactStoreListsItsPrefixWithTheCredentialsOfItsConnector()
    {
        using var aws = new FakeAws();
        aws.PutObject("ml-staging", "runs/2026/metrics.json", 120);
        aws.PutObject("ml-staging", "runs/2026/model/weights.bin", 4096);
        aws.PutObject("ml-staging", "runs/summary.txt", 7);
        aws.PutObject("ml-staging", "elsewhere/x", 1);
        Engine.Connectors.Create("aws", "aws", "secret-key", Settings(("region", "eu-west-1"), ("endpoint_url", aws.Server.BaseAddress.ToString())),
            new Dictionary<string, string> { ["aws_access_key_id"] = FakeAws.AccessKeyId, ["aws_secret_access_key"] = FakeAws.SecretAccessKey });
        Engine.Components.Create("artifact_store", "bucket", "s3", Settings(("path", "s3://ml-staging/runs")));
        Engine.Connectors.Connect("artifact_store", "bucket", "aws");

        Assert.True(Engine.Behaviour.Test(null, "bucket").Reachable);
        Assert.Equal(["2026/", "summary.txt"], Engine.Behaviour.Items(null, "bucket").Select(i => i.Path));
        Assert.Equal(["2026/metrics.json", "2026/model/"], Engine.Behaviour.Items(null, "bucket", "2026").Select(i => i.Path));
        Assert.Equal(120, Engine.Behaviour.Items(null, "bucket", "2026")[0].Size);

        Engine.Components.Create("artifact_store", "absent", "s3", Settings(("path", "s3://no-such-bucket")));
        Engine.Connectors.Connect("artifact_store", "absent", "aws");
        var refused = Engine.Behaviour.Test(null, "absent");
        Assert.False(refused.Reachable);
        Assert.Contains("NoSuchBucket", refused.Message);
        Assert.DoesNotContain(FakeAws.SecretAccessKey, refused.Message);
    }

    [Fact]
    public void EveryBuiltInRegistryFlavorIsCheckedAndListedThroughTheDistributionApi()
    {
        using var registry = new DockerRegistry();
        registry.Push("ml/trainer", "1.0.0", "layer");
        registry.Push("other/tool", "2.0.0", "layer");
        Engine.Connectors.Create("hub", "docker", "password", Settings(("username", registry.UserName)),
            new Dictionary<string, string> { ["password"] = registry.UserPassword }, "docker-registry", registry.Host);
        Engine.Components.Create("container_registry", "images", "default", Settings(("uri", $"{registry.Host}/ml")));
        Engine.Connectors.Connect("container_registry", "images", "hub");

        Assert.True(Engine.Behaviour.Test(null, "images").Reachable);
        Assert.Equal(["ml/trainer"], Engine.Behaviour.Items(null, "images").Select(i => i.Path));
        Assert.Equal("PathNotApplicable", Throws(() => Engine.Behaviour.Items(null, "images", "ml")).ErrorId);

        Engine.Components.Create("container_registry", "anonymous", "default", Settings(("uri", registry.Host)));
        var refused = Engine.Behaviour.Test(null, "anonymous");
        Assert.False(refused.Reachable);
        Assert.Contains(registry.Host, refused.Message);
        Assert.Equal("ComponentNotTestable", Throws(() => Engine.Behaviour.Test("orchestrator", "default")).ErrorId);
    }

    [Fact]
    public void AnIntegrationsConnectorTypeArtifactStoreAndRegistryWorkLikeBuiltIns()
    {
        var gamma = Engine.Integrations.Register(TestIntegrations.Test("Gamma"));
        Assert.Equal(["shelf"], gamma.ConnectorTypes);
        var type = Engine.Connectors.Type("shelf");
        Assert.Equal(("gamma", true), (type.Integration, type.AuthMethod("token")!.Fields.Single(f => f.Name == "token").Secret));

        Directory.CreateDirectory(Path.Combine(_folder, "team-a", "models"));
        File.WriteAllText(Path.Combine(_folder, "team-a", "run.log"), "ok");
        Directory.CreateDirectory(Path.Combine(_folder, "team-b"));
        File.WriteAllText(Path.Combine(_folder, ".token"), "shelf-token-41");
        var wrong = Throws(() => Engine.Connectors.Create("shelf", "shelf", "token", Settings(("root", _folder)), new Dictionary<string, string> { ["token"] = "shelf-wrong-42" }));
        Assert.Contains("refused the token", wrong.Message);
        Engine.Connectors.Create("shelf", "shelf", "token", Settings(("root", _folder)), new Dictionary<string, string> { ["token"] = "shelf-token-41" });
        Assert.Equal(["team-a", "team-b"], Assert.Single(Engine.Connectors.Resources("shelf")).ResourceIds);

        Engine.Components.Create("artifact_store", "shelved", "shelf", Settings(("shelf", "team-a")));
        Engine.Connectors.Connect("artifact_store", "shelved", "shelf");
        Assert.True(Engine.Behaviour.Test(null, "shelved").Reachable);
        Assert.Equal(["models/", "run.log"], Engine.Behaviour.Items(null, "shelved").Select(i => i.Path).Order(StringComparer.Ordinal));

        var list = Path.Combine(_folder, "repositories.txt");
        File.WriteAllLines(list, ["ml/trainer", "ml/server"]);
        Engine.Components.Create("container_registry", "listed", "shelf-registry", Settings(("uri", "shelf.example.com"), ("repositories_file", list)));
        Assert.Equal(["ml/trainer", "ml/server"], Engine.Behaviour.Items(null, "listed").Select(i => i.Path));
        Engine.Components.Create("container_registry", "careless", "shelf-registry", Settings(("uri", "shelf.example.com"), ("repositories_file", list + ".null")));
        Assert.Equal("ComponentFailed", Throws(() => Engine.Behaviour.Items(null, "careless")).ErrorId);

        Assert.Equal("IntegrationInUse", Throws(() => Engine.Integrations.Unregister("gamma", [], Engine.Connectors.List().Items)).ErrorId);
    }

    [Fact]
    public void WhatAnIntegrationsProviderThrowsIsAStackOpsErrorWithoutItsSecrets()
    {
        Engine.Integrations.Register(TestIntegrations.Test("Gamma"));
        File.WriteAllText(Path.Combine(_folder, ".token"), "explode");
        var error = Throws(() => Engine.Connectors.Create("shelf", "shelf", "token", Settings(("root", _folder)), new Dictionary<string, string> { ["token"] = "explode" }));
        Assert.Equal("ConnectorProviderFailed", error.ErrorId);
        Assert.Contains("integration 'gamma'", error.Message);
        Assert.DoesNotContain("explode", error.Message);
    }

    [Theory]
    [InlineData("[{\"Name\":\"shelf\"}]")]
    [InlineData("[null]")]
    [InlineData("[{\"Name\":\"shelf\",\"AuthMethods\":[{\"Name\":\"token\"}],\"ResourceTypes\":[{}]}]")]
    [InlineData("{}")]
    [InlineData(null, "SecretBackends", "[null]")]
    [InlineData(null, "ConnectorTypes", "[null]")]
    [InlineData(null, "Flavors", "[null]")]
    [InlineData(null, "Requirements", "null")]
    public void ADamagedManifestLeavesItsIntegrationOutInsteadOfBreakingCommands(string? connectorTypes, string? property = null, string? value = null)
    {
        var gamma = Engine.Integrations.Register(TestIntegrations.Test("Gamma"));
        if (connectorTypes is not null) File.WriteAllText(Path.Combine(gamma.Path, "connector-types.json"), connectorTypes);
        var manifest = Path.Combine(gamma.Path, "integration.json");
        if (property is not null)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            json[property] = System.Text.Json.Nodes.JsonNode.Parse(value!);
            File.WriteAllText(manifest, json.ToJsonString());
        }

        var damaged = TestStore.Open(_store.Root);

        Assert.Empty(damaged.Integrations.List());
        Assert.Equal("UnknownConnectorType", Throws(() => damaged.Connectors.Type("shelf")).ErrorId);
        Assert.NotEmpty(damaged.Connectors.Types());
        Assert.NotEmpty(damaged.Secrets.Backends().Items);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
