using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

[Collection(nameof(EnvironmentCollection))]
public sealed class ConnectorTests : IDisposable, IClassFixture<RegistryFixture>
{
    private readonly TestStore _store = new();
    private readonly DockerRegistry _registry;

    public ConnectorTests(RegistryFixture fixture)
    {
        _registry = fixture.Registry;
        Environment.SetEnvironmentVariable(ConnectorService.ImplicitVariable, null);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(ConnectorService.ImplicitVariable, null);
        _store.Dispose();
    }

    private ConnectorService Connectors => _store.Engine.Connectors;

    private static StackOpsException Throws(Action action) => Assert.Throws<StackOpsException>(action);

    private ServiceConnector AddRegistryConnector(string name = "registry", string password = DockerRegistry.Password, bool verify = true) =>
        Connectors.Create(name, "docker", "password", new Dictionary<string, object?> { ["username"] = DockerRegistry.User },
            new Dictionary<string, string> { ["password"] = password }, "docker-registry", _registry.Host, verify: verify);

    [Fact]
    public void TheCatalogHasZenMLsTypesAuthMethodsAndResourceTypes()
    {
        Assert.Equal(["docker", "kubernetes", "github", "aws", "azure", "gcp"], ConnectorCatalog.All.Select(t => t.Name));
        var aws = Connectors.Type("aws");
        Assert.Equal(["secret-key", "sts-token", "iam-role", "session-token", "web-identity", "implicit"], aws.AuthMethods.Select(m => m.Name));
        Assert.Equal(["aws-generic", "s3-bucket", "docker-registry", "kubernetes-cluster"], aws.ResourceTypes.Select(r => r.Name));
        var role = aws.AuthMethod("iam-role")!;
        Assert.Equal((TimeSpan.FromMinutes(15), TimeSpan.FromHours(12), TimeSpan.FromHours(1)), (role.MinimumLifetime!.Value, role.MaximumLifetime!.Value, role.DefaultLifetime!.Value));
        Assert.True(role.Fields.Single(f => f.Name == "aws_secret_access_key").Secret);
        Assert.Equal(["token", "github-app"], Connectors.Type("github").AuthMethods.Select(m => m.Name));
        Assert.Equal(["password", "token", "client-certificate"], Connectors.Type("kubernetes").AuthMethods.Select(m => m.Name));
        Assert.Equal("s3://ml-data", aws.ResourceType("s3-bucket")!.Canonicalize("ml-data/prefix/"));
        Assert.Equal("ghcr.io", Connectors.Type("github").ResourceType("container-registry")!.Canonicalize("https://GHCR.io/owner/image"));
    }

    [Fact]
    public void ADockerConnectorIsVerifiedAgainstTheRegistryAndKeepsItsPasswordInASecret()
    {
        var connector = AddRegistryConnector();
        Assert.Equal(ConnectorScope.SingleInstance, connector.Kind);
        var document = File.ReadAllText(_store.File("connectors/registry.yaml"));
        Assert.Contains("password: '{{ connector-registry.password }}'", document);
        Assert.DoesNotContain(DockerRegistry.Password, document);
        Assert.Equal(DockerRegistry.Password, _store.Engine.Secrets.Get("connector-registry").Values["password"]);

        var resources = Assert.Single(Connectors.Resources("registry"));
        Assert.True(resources.Success);
        Assert.Equal([_registry.Host], resources.ResourceIds);
        Assert.Contains("ml/trainer", resources.Contents);

        var credential = Connectors.Credential("registry");
        Assert.Equal((_registry.Host, DockerRegistry.User), (credential.Settings["registry"], credential.Settings["username"]));
        Assert.Equal(DockerRegistry.Password, credential.Secrets["password"]);
        Assert.DoesNotContain(DockerRegistry.Password, credential.ToString());
    }

    [Fact]
    public void AConnectorDocumentEditedToSendTheCredentialElsewhereIsRefusedBeforeAnythingIsSent()
    {
        AddRegistryConnector();
        // A registry that asks for the password, as any would: a client that trusts the document answers with it.
        using var elsewhere = new LoopbackServer(app => app.MapGet("/v2/", (HttpContext context) =>
        {
            if (context.Request.Headers.Authorization.Count > 0) return Results.Ok();
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"elsewhere\"";
            return Results.Unauthorized();
        }));
        var file = _store.File("connectors/registry.yaml");
        var original = File.ReadAllText(file);
        File.WriteAllText(file, original.Replace(_registry.Host, elsewhere.HostAndPort));

        var error = Throws(() => Connectors.Verify("registry"));
        Assert.Equal("ConnectorTampered", error.ErrorId);
        Assert.Contains("resource id", error.Message);
        Assert.Equal("ConnectorTampered", Throws(() => Connectors.Credential("registry")).ErrorId);
        Assert.Equal("ConnectorTampered", Throws(() => Connectors.Update("registry", description: "edited")).ErrorId);
        File.WriteAllText(_store.File("connectors/thief.yaml"), original.Replace("name: registry", "name: thief").Replace(_registry.Host, elsewhere.HostAndPort));
        Assert.Contains("the credentials of another connector", Throws(() => Connectors.Verify("thief")).Message);
        Assert.Empty(elsewhere.Requests);

        File.WriteAllText(file, original);
        Assert.True(Assert.Single(Connectors.Verify("registry")).Success);
        // Credentials given again bind the connector as it now is: then it goes where its document says.
        File.WriteAllText(file, original.Replace(_registry.Host, elsewhere.HostAndPort));
        Connectors.Update("registry", secretValues: new Dictionary<string, string> { ["password"] = "another-password" }, verify: false);
        Connectors.Verify("registry");
        Assert.Contains(elsewhere.Requests, r => r.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public void CredentialsSavedBeforeBindingsAreRefusedUntilGivenAgain()
    {
        AddRegistryConnector();
        var secret = _store.Engine.Secrets.Get("connector-registry");
        _store.Engine.Secrets.Create("connector-registry", secret.Values, new Dictionary<string, string?> { [ConnectorService.ConnectorLabel] = "registry" }, force: true);

        var error = Throws(() => Connectors.Verify("registry"));
        Assert.Equal("ConnectorTampered", error.ErrorId);
        Assert.Contains("bound to nothing", error.Message);

        Connectors.Update("registry", secretValues: new Dictionary<string, string> { ["password"] = DockerRegistry.Password });
        Assert.True(Assert.Single(Connectors.Verify("registry")).Success);
    }

    [Fact]
    public void AWrongPasswordFailsWithTheRegistrysReasonAndWritesNothing()
    {
        var error = Throws(() => AddRegistryConnector(password: "wrong-password"));
        Assert.Equal("ConnectorVerificationFailed", error.ErrorId);
        Assert.Contains("401", error.Message);
        Assert.Contains("UNAUTHORIZED: authentication required", error.Message);
        Assert.DoesNotContain("wrong-password", error.Message);
        Assert.Empty(_store.Snapshot());

        AddRegistryConnector(password: "wrong-password", verify: false);
        var result = Assert.Single(Connectors.Verify("registry"));
        Assert.False(result.Success);
        Assert.Contains("UNAUTHORIZED", result.Error);
    }

    [Fact]
    public void AnUnreachableRegistryFailsWithinTheTimeLimit()
    {
        Connectors.Timeout = TimeSpan.FromSeconds(2);
        var watch = Stopwatch.StartNew();
        var error = Throws(() => Connectors.Create("nowhere", "docker", "password", new Dictionary<string, object?> { ["username"] = "u" },
            new Dictionary<string, string> { ["password"] = "p-12345" }, "docker-registry", $"127.0.0.1:{DockerRegistry.FreePort()}"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal("ConnectorVerificationFailed", error.ErrorId);
        Assert.Contains("cannot reach", error.Message);
        Assert.Empty(_store.Snapshot());
    }

    [Theory]
    [InlineData("nomad", "password", null, null, "UnknownConnectorType")]
    [InlineData("docker", "oauth", null, null, "UnknownAuthMethod")]
    [InlineData("docker", "password", "s3-bucket", null, "UnknownResourceType")]
    [InlineData("aws", "secret-key", "aws-generic", "eu-west-1", "ResourceIdNotApplicable")]
    [InlineData("aws", "secret-key", null, "s3://x", "ResourceTypeMissing")]
    public void BadTypesMethodsAndResourcesAreClearErrors(string type, string method, string? resourceType, string? resourceId, string errorId)
    {
        var error = Throws(() => Connectors.Create("c", type, method, new Dictionary<string, object?> { ["region"] = "eu-west-1" },
            new Dictionary<string, string> { ["aws_access_key_id"] = "AKIA-1234", ["aws_secret_access_key"] = "sk-12345" }, resourceType, resourceId, verify: false));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void MissingExtraOrClearTextCredentialFieldsAreRefused()
    {
        var missing = Throws(() => Connectors.Create("c", "aws", "secret-key", new Dictionary<string, object?> { ["region"] = "eu-west-1" },
            new Dictionary<string, string> { ["aws_access_key_id"] = "AKIA-1234" }, verify: false));
        Assert.Equal("MissingConfigurationKey", missing.ErrorId);
        Assert.Contains("aws_secret_access_key", missing.Message);
        var extra = Throws(() => Connectors.Create("c", "docker", "password", new Dictionary<string, object?> { ["username"] = "u", ["colour"] = "blue" },
            new Dictionary<string, string> { ["password"] = "p-12345" }, verify: false));
        Assert.Equal("UnknownConfigurationKey", extra.ErrorId);
        var clear = Throws(() => Connectors.Create("c", "docker", "password", new Dictionary<string, object?> { ["username"] = "u", ["password"] = "clear-text-pw" },
            new Dictionary<string, string>(), verify: false));
        Assert.Equal("PlainTextSecretValue", clear.ErrorId);
        Assert.DoesNotContain("clear-text-pw", clear.Message);
        Assert.Equal("InvalidName", Throws(() => Connectors.Create("a.b", "docker", "password", new Dictionary<string, object?> { ["username"] = "u" },
            new Dictionary<string, string> { ["password"] = "p-12345" }, verify: false)).ErrorId);
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void AnExpiredConnectorIsAClearErrorThatSaysHowToRenew()
    {
        Connectors.Create("k8s", "kubernetes", "token", new Dictionary<string, object?> { ["server"] = "https://127.0.0.1:6443" },
            new Dictionary<string, string> { ["token"] = "k8s-token-1234" }, expiresAt: DateTimeOffset.UtcNow.AddMinutes(3), verify: false);
        var error = Throws(() => Connectors.Credential("k8s"));
        Assert.Equal("ConnectorExpired", error.ErrorId);
        Assert.Contains("Set-ServiceConnector k8s", error.Message);
        Assert.Contains("-ExpiresAt", error.Message);
        AddRegistryConnector("r2");
        Assert.Equal("ExpiryNotApplicable", Throws(() => Connectors.Update("r2", expiresAt: DateTimeOffset.UtcNow.AddDays(1))).ErrorId);
    }

    [Fact]
    public void ImplicitAuthenticationIsRefusedUnlessAllowed()
    {
        var error = Throws(() => Connectors.Create("amb", "aws", "implicit", new Dictionary<string, object?> { ["region"] = "eu-west-1" }, new Dictionary<string, string>(), verify: false));
        Assert.Equal("ImplicitAuthDisabled", error.ErrorId);
        Assert.Contains(ConnectorService.ImplicitVariable, error.Message);
        Environment.SetEnvironmentVariable(ConnectorService.ImplicitVariable, "1");
        Connectors.Create("amb", "aws", "implicit", new Dictionary<string, object?> { ["region"] = "eu-west-1" }, new Dictionary<string, string>(), verify: false);
        Environment.SetEnvironmentVariable(ConnectorService.ImplicitVariable, null);
        Assert.Equal("ImplicitAuthDisabled", Throws(() => Connectors.Verify("amb")).ErrorId);
    }

    [Fact]
    public void IssuedLifetimesStayWithinTheAuthMethodsBounds()
    {
        Assert.Equal("ExpirationOutOfRange", Throws(() => Connectors.Create("role", "aws", "iam-role", new Dictionary<string, object?> { ["region"] = "eu-west-1", ["role_arn"] = "arn:aws:iam::1:role/x" },
            new Dictionary<string, string> { ["aws_access_key_id"] = "AKIA-1234", ["aws_secret_access_key"] = "sk-12345" }, expirationSeconds: 60, verify: false)).ErrorId);
        Assert.Equal("ExpirationNotApplicable", Throws(() => Connectors.Create("key", "aws", "secret-key", new Dictionary<string, object?> { ["region"] = "eu-west-1" },
            new Dictionary<string, string> { ["aws_access_key_id"] = "AKIA-1234", ["aws_secret_access_key"] = "sk-12345" }, expirationSeconds: 3600, verify: false)).ErrorId);
    }

    [Fact]
    public void ComponentsLinkToConnectorsThatFitTheirFlavor()
    {
        AddRegistryConnector();
        _store.Engine.Components.Create("container_registry", "local-registry", "default", new Dictionary<string, object?> { ["uri"] = $"{_registry.Host}/ml" });
        var linked = Connectors.Connect("container_registry", "local-registry", "registry");
        Assert.Equal(("registry", _registry.Host), (linked.Connector!.Name, linked.Connector.ResourceId));
        Assert.Contains("resourceId: 127.0.0.1:", File.ReadAllText(_store.File("components/container_registry/local-registry.yaml")));

        _store.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://ml-data/artifacts" });
        var mismatch = Throws(() => Connectors.Connect("artifact_store", "s3", "registry"));
        Assert.Equal("ConnectorMismatch", mismatch.ErrorId);
        Assert.Contains("s3-bucket", mismatch.Message);
        Connectors.Create("aws", "aws", "secret-key", new Dictionary<string, object?> { ["region"] = "eu-west-1" },
            new Dictionary<string, string> { ["aws_access_key_id"] = "AKIA-1234", ["aws_secret_access_key"] = "sk-12345" }, verify: false);
        Assert.Contains("Connectors that fit: aws", Throws(() => Connectors.Connect("artifact_store", "s3", "registry")).Message);
        Assert.Equal("s3://ml-data", Connectors.Connect("artifact_store", "s3", "aws").Connector!.ResourceId);

        var inUse = Throws(() => Connectors.Remove("registry"));
        Assert.Equal("ConnectorInUse", inUse.ErrorId);
        Assert.Contains("the container_registry 'local-registry'", inUse.Message);
        Assert.Equal("ConnectorInUse", Throws(() => Connectors.Update("registry", resourceType: "docker-registry", resourceId: "ghcr.io", verify: false)).ErrorId);
        Assert.True(File.Exists(_store.File("connectors/registry.yaml")));

        Assert.Null(Connectors.Disconnect("container_registry", "local-registry").Connector);
        Connectors.Remove("registry");
        Assert.False(File.Exists(_store.File("connectors/registry.yaml")));
        Assert.False(_store.Engine.Secrets.Exists("connector-registry"));
    }

    [Fact]
    public void UpdatingCredentialsKeepsTheOthersAndReverifies()
    {
        AddRegistryConnector(password: "wrong-password", verify: false);
        Connectors.Update("registry", secretValues: new Dictionary<string, string> { ["password"] = DockerRegistry.Password });
        Assert.True(Assert.Single(Connectors.Verify("registry")).Success);
        var before = _store.Snapshot();
        Assert.Equal("ConnectorVerificationFailed", Throws(() => Connectors.Update("registry", new Dictionary<string, object?> { ["username"] = "someone-else" })).ErrorId);
        Assert.Equal(before, _store.Snapshot());
    }
}
