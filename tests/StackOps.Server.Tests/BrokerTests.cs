using Dapper;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Store;
using StackOps.Core.Store.Remote;
using StackOps.Tests.Shared;

namespace StackOps.Server.Tests;

/// <summary>
/// The credential broker, against the loopback AWS (STS, S3, ECR as the SDK calls them) and a
/// loopback registry: credentials saved once by a connector admin stay on the server, encrypted;
/// users with use get credentials for one resource, short-lived where the auth method allows.
/// </summary>
public abstract class BrokerTests : IDisposable
{
    private readonly FakeAws _aws = new();
    private readonly Lazy<ServerHost> _server;
    private string? _credentialKeys;

    protected BrokerTests() => _server = new(() => new ServerHost(NewDatabase(), credentialKeys: _credentialKeys));

    protected ServerHost Server => _server.Value;
    protected abstract string NewDatabase();

    public virtual void Dispose()
    {
        if (_server.IsValueCreated) _server.Value.Dispose();
        _aws.Dispose();
    }

    private Dictionary<string, object?> AwsSettings() => new() { ["region"] = "eu-west-1", ["endpoint_url"] = _aws.Server.BaseAddress.ToString(), ["role_arn"] = FakeAws.RoleArn };

    private static Dictionary<string, string> AwsKeys() => new() { ["aws_access_key_id"] = FakeAws.AccessKeyId, ["aws_secret_access_key"] = FakeAws.SecretAccessKey };

    /// <summary>The texts the broker must never give out: the long-lived key.</summary>
    private static readonly string[] LongLived = [FakeAws.SecretAccessKey, FakeAws.AccessKeyId];

    private string Everything()
    {
        using var connection = Server.Database.Open();
        var rows = connection.Query<string>("SELECT text FROM documents").Concat(connection.Query<string>("SELECT ciphertext || wrapped_key FROM connector_credentials"))
            .Concat(connection.Query<string>("SELECT COALESCE(detail, '') || COALESCE(name, '') FROM audit"));
        var files = Directory.EnumerateFiles(Server.Home, "*", SearchOption.AllDirectories).Select(File.ReadAllText);
        return string.Join("\n", rows.Concat(files).Concat(Server.Answers));
    }

    [Fact]
    public void UsersGetShortLivedCredentialsForOneResourceAndNeverTheKeyTheConnectorAdminSaved()
    {
        var carl = Server.Principal("carl", BuiltInRoles.ConnectorAdmin);
        var eve = Server.Principal("eve", BuiltInRoles.Editor);
        var victor = Server.Principal("victor", BuiltInRoles.Viewer);
        Server.Engine(carl).Connectors.Create("aws-staging", "aws", "iam-role", AwsSettings(), AwsKeys(), "s3-bucket", expirationSeconds: 3600);
        Assert.Contains("AssumeRole", _aws.Actions);
        Server.Answers.Clear();

        var credential = Server.Engine(eve).Connectors.Credential("aws-staging", "s3-bucket", "s3://ml-staging");

        Assert.StartsWith("ASIAFAKETEMPORARY", credential.Secrets["aws_access_key_id"]);
        Assert.StartsWith("session-token-", credential.Secrets["aws_session_token"]);
        Assert.InRange(credential.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(50), DateTimeOffset.UtcNow.AddMinutes(70));
        Assert.Equal("s3://ml-staging", credential.ResourceId);
        Assert.True(Assert.Single(Server.Engine(eve).Connectors.Verify("aws-staging")).Success);
        Assert.Equal("PermissionDenied", Assert.Throws<StackOpsException>(() => Server.Engine(carl).Connectors.Credential("aws-staging", "s3-bucket", "s3://ml-staging")).ErrorId);
        var denied = Assert.Throws<StackOpsException>(() => Server.Engine(victor).Connectors.Credential("aws-staging", "s3-bucket", "s3://ml-staging"));
        Assert.Equal("PermissionDenied", denied.ErrorId);
        Assert.Contains("connectors/aws-staging", denied.Message);
        var everything = Everything();
        Assert.All(LongLived, text => Assert.DoesNotContain(text, everything));
        var audit = Server.Admin.Audit(action: "issue credentials").Entries;
        Assert.Contains(audit, e => e is { Principal: "eve", Outcome: "allowed" } && e.Detail!.Contains("short-lived"));
        Assert.Contains(audit, e => e is { Principal: "victor", Outcome: "denied", ErrorId: "PermissionDenied" });
    }

    /// <summary>The token file is the process's (the server's) setting: the SQLite and PostgreSQL runs of the test take turns.</summary>
    private static readonly object TokenFileVariable = new();

    [Fact]
    public void AKeylessConnectorOnTheServerSignsInWithTheOperatorsTokenFile()
    {
        lock (TokenFileVariable) SignInWithTheOperatorsTokenFile();
    }

    private void SignInWithTheOperatorsTokenFile()
    {
        using var issuer = new FakeOidcIssuer();
        using var aws = new FakeAws(issuer);
        var folder = Directory.CreateTempSubdirectory("stackops-oidc-");
        var token = issuer.Token("sts.amazonaws.com");
        File.WriteAllText(Path.Combine(folder.FullName, "token"), token);
        var saved = Environment.GetEnvironmentVariable("STACKOPS_OIDC_TOKEN_FILE");
        Environment.SetEnvironmentVariable("STACKOPS_OIDC_TOKEN_FILE", Path.Combine(folder.FullName, "token"));
        try
        {
            var carl = Server.Principal("carl", BuiltInRoles.ConnectorAdmin);
            var eve = Server.Principal("eve", BuiltInRoles.Editor);
            var victor = Server.Principal("victor", BuiltInRoles.Viewer);
            var settings = new Dictionary<string, object?>
            {
                ["region"] = "eu-west-1", ["endpoint_url"] = aws.Server.BaseAddress.ToString(), ["role_arn"] = FakeAws.RoleArn,
                ["subject"] = $"repo:{FakeOidcIssuer.Repository}:environment:production",
            };
            Server.Engine(carl).Connectors.Create("aws-production", "aws", "web-identity", settings, new Dictionary<string, string>(), "s3-bucket");
            Server.Answers.Clear();

            var credential = Server.Engine(eve).Connectors.Credential("aws-production", "s3-bucket", "s3://ml-production");

            Assert.StartsWith("ASIAFAKETEMPORARY", credential.Secrets["aws_access_key_id"]);
            Assert.Contains("AssumeRoleWithWebIdentity", aws.Actions);
            Assert.Equal("PermissionDenied", Assert.Throws<StackOpsException>(() => Server.Engine(victor).Connectors.Credential("aws-production", "s3-bucket", "s3://ml-production")).ErrorId);
            Assert.DoesNotContain(token, Everything());
        }
        finally
        {
            Environment.SetEnvironmentVariable("STACKOPS_OIDC_TOKEN_FILE", saved);
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void ACredentialWithoutAShortLivedFormGoesOnlyToPrincipalsWithUse()
    {
        using var registry = new LoopbackServer(app => Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(app, "/v2/", () => "{}"));
        var carl = Server.Principal("carl", BuiltInRoles.ConnectorAdmin);
        var eve = Server.Principal("eve", BuiltInRoles.Editor);
        Server.Engine(carl).Connectors.Create("registry", "docker", "password", new Dictionary<string, object?> { ["username"] = "ci" + "-bot" },
            new Dictionary<string, string> { ["password"] = "registry-password-1" }, "docker-registry", registry.HostAndPort, verify: false);

        var credential = Server.Engine(eve).Connectors.Credential("registry");

        Assert.Equal(("ci-bot", "registry-password-1"), (credential.Settings["username"], credential.Secrets["password"]));
        Assert.Null(credential.ExpiresAt);
        Assert.Equal("PermissionDenied", Assert.Throws<StackOpsException>(() => Server.Engine(carl).Connectors.Credential("registry")).ErrorId);
        Assert.Contains(Server.Admin.Audit(action: "issue credentials").Entries, e => e.Detail?.Contains("the stored credential") == true);
    }

    [Fact]
    public void ADocumentChangedWithoutItsCredentialsIsRefusedUntilTheyAreGivenAgain()
    {
        var carl = Server.Principal("carl", BuiltInRoles.ConnectorAdmin);
        var eve = Server.Principal("eve", BuiltInRoles.Editor);
        Server.Engine(carl).Connectors.Create("aws-staging", "aws", "iam-role", AwsSettings(), AwsKeys(), "s3-bucket");
        var store = Server.Store(ServerHost.AdminKey);
        var key = new DocumentKey("ServiceConnector", "aws-staging");
        var document = store.Read(key)!;
        using (var transaction = store.Begin())
        {
            transaction.Read(key);
            transaction.Put(key, document.Text.Replace(FakeAws.RoleArn, "arn:aws:iam::999999999999:role/elsewhere"));
            transaction.Commit();
        }
        var actions = _aws.Actions.Count;

        var error = Assert.Throws<StackOpsException>(() => Server.Engine(eve).Connectors.Credential("aws-staging", "s3-bucket", "s3://ml-staging"));

        Assert.Equal("ConnectorTampered", error.ErrorId);
        Assert.Equal(actions, _aws.Actions.Count);
        Server.Engine(carl).Connectors.Update("aws-staging", new Dictionary<string, object?> { ["role_arn"] = FakeAws.RoleArn }, AwsKeys());
        Assert.StartsWith("ASIAFAKETEMPORARY", Server.Engine(eve).Connectors.Credential("aws-staging", "s3-bucket", "s3://ml-staging").Secrets["aws_access_key_id"]);
    }

    [Fact]
    public void ConnectorAdminsRotateCredentialsAndTheOperatorRotatesTheKeyThatKeepsThem()
    {
        var carl = Server.Principal("carl", BuiltInRoles.ConnectorAdmin);
        var eve = Server.Principal("eve", BuiltInRoles.Editor);
        Server.Engine(carl).Connectors.Create("aws-staging", "aws", "iam-role", AwsSettings(), AwsKeys(), "s3-bucket");
        Server.Engine(carl).Connectors.Update("aws-staging", description: "rotated", secretValues: AwsKeys());
        Assert.Equal("ConnectorVerificationFailed", Assert.Throws<StackOpsException>(() =>
            Server.Engine(carl).Connectors.Update("aws-staging", secretValues: new Dictionary<string, string> { ["aws_secret_access_key"] = "not-the-secret-key" })).ErrorId);

        var database = Server.DatabaseSetting;
        _server.Value.Dispose();
        var newKey = Convert.ToBase64String(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());
        using (var rotated = new ServerHost(database, credentialKeys: $"{newKey},{ServerHost.CredentialKey}"))
        {
            using var connection = rotated.Database.Open();
            Assert.Single(connection.Query<string>("SELECT key_id FROM connector_credentials").Distinct());
        }
        using var onlyNew = new ServerHost(database, credentialKeys: newKey);
        var credential = onlyNew.Engine(onlyNew.Principal("erin", BuiltInRoles.Editor)).Connectors.Credential("aws-staging", "s3-bucket", "s3://ml-staging");
        Assert.StartsWith("ASIAFAKETEMPORARY", credential.Secrets["aws_access_key_id"]);
    }
}

public sealed class SqliteBrokerTests : BrokerTests
{
    private readonly SqliteFolder _sqlite = new();

    protected override string NewDatabase() => _sqlite.Database();

    public override void Dispose()
    {
        base.Dispose();
        _sqlite.Dispose();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresBrokerTests(PostgresFixture postgres) : BrokerTests
{
    protected override string NewDatabase() => postgres.Server.NewDatabase();
}
