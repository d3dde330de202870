using System.Management.Automation;
using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// The team server through the cmdlets, as a team uses it: the real server in its own process
/// (SQLite in its default folder), an admin who connects with the bootstrap key and sets up users,
/// keys, roles and grants; a user whose key allows some stacks and not others; the audit log; keys
/// revoked; a repository store moved to the server and back; trust policies for CI.
/// </summary>
public sealed class ServerCmdletTests : IClassFixture<TeamServer>, IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly TeamServer _server;
    private readonly PowerShellSession _ps = new();

    public ServerCmdletTests(TeamServer server)
    {
        _server = server;
        _ps.Ok(SecretCmdletTests.SecureHelper);
    }

    public void Dispose() => _ps.Dispose();

    private IReadOnlyList<PSObject> AsAdmin(string script) => _ps.Ok($"$null = Connect-StackServer {_server.Address} -ApiKey (S '{TeamServer.AdminKey}')\n{script}");

    private static object? Prop(PSObject o, string name) => o.Properties[name]?.Value;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    [Fact]
    public void AnAdminSetsUpAUserWhoMayChangeOneStackAndNotAnother()
    {
        var alice = Unique("alice");
        var (dev, production) = (Unique("dev"), Unique("production"));
        var me = AsAdmin("Get-StackServer").Single();
        Assert.Equal("admin", Prop(me, "Principal"));
        Assert.Contains("stacks:delete on everything", (IEnumerable<string>)Prop(me, "Permissions")!);

        var user = AsAdmin($"New-StackUser {alice} -Description 'ML engineer'").Single();
        Assert.Equal("user", Prop(user, "Kind"));
        Assert.Equal(alice, Prop(Assert.Single(_ps.Ok($"Get-StackUser {alice[..7]}*")), "Name"));
        _ps.Ok($"""
            $null = New-StackComponent orchestrator {dev}-local local
            $null = New-Stack {dev} -Orchestrator {dev}-local -ArtifactStore default
            $null = New-Stack {production} -Orchestrator {dev}-local -ArtifactStore default
            $null = Grant-StackPermission {alice} viewer
            $null = Grant-StackPermission {alice} editor -Kind stacks -Name {dev}
            $script:aliceKey = (New-StackApiKey {alice} -ValidFor 1.00:00:00 -Description laptop).Key
            """);
        Assert.Equal(["editor on stacks/" + dev, "viewer on everything"], _ps.Ok($"Get-StackPermission {alice}").Select(g => g.ToString()).Order());

        var signedIn = _ps.Ok($"Connect-StackServer {_server.Address} -ApiKey $aliceKey").Single();
        Assert.Equal(alice, Prop(signedIn, "Principal"));
        _ps.Ok($"Set-Stack {dev} -Label @{{ team = 'ml' }}");
        var denied = _ps.Fails($"Remove-Stack {production} -Confirm:$false", $"PermissionDenied,{Commands}.RemoveStackCommand");
        Assert.Contains($"Grant-StackPermission -Principal {alice} -Role <role> -Kind stacks -Name {production}", denied.ErrorDetails.Message);
        Assert.Equal(production, Prop(_ps.Ok($"Get-Stack {production}").Single(), "Name"));
        _ps.Fails($"New-StackUser {Unique("mallory")}", $"PermissionDenied,{Commands}.NewStackUserCommand");

        var refusals = AsAdmin($"Get-StackAuditLog -Principal {alice} -Outcome denied -First 10");
        Assert.Contains(refusals, e => (string?)Prop(e, "ErrorId") == "PermissionDenied" && (string?)Prop(e, "Name") == production);
        var logText = string.Join("\n", _ps.Run("Get-StackAuditLog -First 500").AllText);
        Assert.DoesNotContain(TeamServer.AdminKey, logText + _server.Output);
    }

    [Fact]
    public void ARevokedKeyIsRefusedAndTheNextKeyWorks()
    {
        var bot = Unique("ml-bot");
        AsAdmin($"$null = New-StackServiceAccount {bot}; $script:botKey = (New-StackApiKey {bot} -Description first).Key; $null = Grant-StackPermission {bot} viewer");
        _ps.Ok($"$null = Connect-StackServer {_server.Address} -ApiKey $botKey; Get-Stack");
        AsAdmin($"Get-StackApiKey {bot} | Revoke-StackApiKey -Confirm:$false");
        Assert.NotNull(Assert.Single(AsAdmin($"Get-StackApiKey {bot}")).Properties["RevokedAt"].Value);

        var refused = _ps.Fails($"Connect-StackServer {_server.Address} -ApiKey $botKey", $"ApiKeyRevoked,{Commands}.ConnectStackServerCommand");
        Assert.Contains("New-StackApiKey", refused.ErrorDetails.Message);
        var next = AsAdmin($"[System.Net.NetworkCredential]::new('', (New-StackApiKey {bot} -Description second).Key).Password").Single().ToString();
        Assert.Equal(bot, Prop(_ps.Ok($"Connect-StackServer {_server.Address} -ApiKey (S '{next}')").Single(), "Principal"));
        _ps.Fails($"Remove-StackServiceAccount {bot} -Confirm:$false", $"PermissionDenied,{Commands}.RemoveStackServiceAccountCommand");
        AsAdmin($"Remove-StackServiceAccount {bot} -Confirm:$false");
        Assert.Empty(_ps.Run($"Get-StackServiceAccount {bot}").Errors.Where(e => !e.FullyQualifiedErrorId.StartsWith("PrincipalNotFound")));
    }

    [Fact]
    public void RolesGrantsAndTrustPoliciesAreManagedAndRemoved()
    {
        var (role, bob, ci) = (Unique("approver"), Unique("bob"), Unique("ci"));
        AsAdmin($"""
            $null = New-StackUser {bob}
            $null = New-StackServiceAccount {ci}
            $null = New-StackRole {role} -Permission stages:read, stages:approve -Description 'Approves promotions'
            $null = Grant-StackPermission {bob} {role} -Kind stages -Name production
            """);
        Assert.Equal(["stages:read", "stages:approve"], (IEnumerable<object>)Prop(_ps.Ok($"Get-StackRole {role}").Single(), "Permissions")!);
        var inUse = _ps.Fails($"Remove-StackRole {role} -Confirm:$false", $"RoleInUse,{Commands}.RemoveStackRoleCommand");
        Assert.Contains($"Get-StackPermission -Role {role} | Revoke-StackPermission", inUse.ErrorDetails.Message);
        _ps.Ok($"Get-StackPermission -Role {role} | Revoke-StackPermission -Confirm:$false; Remove-StackRole {role} -Confirm:$false");
        Assert.Empty(_ps.Run($"Get-StackRole {role}").Output);
        _ps.Fails($"Revoke-StackPermission -Principal {bob} -Role viewer -Confirm:$false", $"GrantNotFound,{Commands}.RevokeStackPermissionCommand");

        var policy = _ps.Ok($"New-StackTrustPolicy -Repository octo-org/{ci} -Environment production -Ref 'refs/tags/v*' -Principal {ci}").Single();
        Assert.Equal($"octo-org-{ci}-production", Prop(policy, "Name"));
        Assert.Equal($"octo-org/{ci} environment production on refs/tags/v* → {ci}", policy.ToString());
        _ps.Ok($"Remove-StackTrustPolicy octo-org-{ci}-production -Confirm:$false");
        Assert.Empty(_ps.Run($"Get-StackTrustPolicy octo-org-{ci}*").Output);
    }

    [Fact]
    public void ARepositoryStoreMovesToTheServerAndBackAllOrNothing()
    {
        var (stack, component) = (Unique("moved"), Unique("moved-local"));
        _ps.Ok($"""
            $null = Initialize-StackRepository
            $null = New-StackComponent orchestrator {component} local -Scope Repository
            $null = New-Stack {stack} -Orchestrator {component} -ArtifactStore default -Scope Repository
            """);
        AsAdmin("Copy-StackStore Repository Server");
        Assert.Equal(stack, Prop(_ps.Ok($"Get-Stack {stack}").Single(), "Name"));
        var again = _ps.Ok("Copy-StackStore Repository Server -PassThru").Single();
        Assert.Empty((System.Collections.IEnumerable)Prop(again, "Written")!);

        _ps.Ok($"Set-Stack {stack} -Label @{{ changed = 'on-server' }}");
        var before = _ps.Snapshot();
        _ps.Fails("Copy-StackStore Server Repository", $"StoreCopyConflict,{Commands}.CopyStackStoreCommand");
        Assert.Equal(before, _ps.Snapshot());
        _ps.Ok("Copy-StackStore Server Repository -Force");
        Assert.Equal("on-server", ((System.Collections.IDictionary)Prop(_ps.Ok($"Get-Stack {stack} -Scope Repository").Single(), "Labels")!)["changed"]);
        _ps.Fails("Copy-StackStore Server Server", $"SameStore,{Commands}.CopyStackStoreCommand");
    }

    [Fact]
    public void DisconnectingReturnsToTheLocalStoreAndTheServerCmdletsSayHowToConnect()
    {
        var stack = Unique("server-only");
        AsAdmin($"$null = New-Stack {stack} -Orchestrator default -ArtifactStore default");
        _ps.Ok("Disconnect-StackServer");
        Assert.Empty(_ps.Run($"Get-Stack {stack}").Output);
        var error = _ps.Fails("Get-StackUser", $"ServerNotConnected,{Commands}.GetStackUserCommand");
        Assert.Contains("Connect-StackServer", error.ErrorDetails.Message);
        Environment.SetEnvironmentVariable("CI", "true");
        try
        {
            _ps.Fails($"Connect-StackServer {_server.Address}", $"ServerApiKeyMissing,{Commands}.ConnectStackServerCommand");
        }
        finally { Environment.SetEnvironmentVariable("CI", null); }
        _ps.Fails("Connect-StackServer http://stackops.example.com -ApiKey (S 'sok_whatever-key-1234')", $"InsecureServerAddress,{Commands}.ConnectStackServerCommand");
    }

    [Fact]
    public void TheReadmesTeamSetUpRunsAsWritten()
    {
        var readme = File.ReadAllText(Path.Combine(PowerShellSession.RepositoryRoot, "README.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(readme, "```powershell server\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value.Replace("http://127.0.0.1:5000", _server.Address)).ToList();
        Assert.NotEmpty(blocks);
        var host = new TestHost();
        host.Answers.Enqueue(TeamServer.AdminKey);
        using var session = new PowerShellSession(host: host);
        foreach (var block in blocks) session.Ok(block);
        Assert.Contains(host.Written, w => w.Contains($"API key for {_server.Address}"));
        Assert.Equal("ci-production", Prop(session.Ok("Get-StackTrustPolicy octo-org-ml-production").Single(), "Principal"));
        Assert.Contains("approver on stages/production", session.Ok("Get-StackPermission bob").Select(g => g.ToString()));
    }

    /// <summary>The cmdlets whose -WhatIf these tests cover (WhatIfTests covers those of local stores).</summary>
    public static bool WorksOnTheServer(Type cmdlet)
    {
        for (var type = cmdlet; type is not null; type = type.BaseType)
            if (type.Name is "ServerCmdlet" or "DisconnectStackServerCommand" or "CopyStackStoreCommand") return true;
        return false;
    }

    private static readonly Dictionary<string, string> WhatIfScripts = new()
    {
        ["Disconnect-StackServer"] = "Disconnect-StackServer -WhatIf",
        ["Copy-StackStore"] = "Copy-StackStore Repository Server -WhatIf; Copy-StackStore Server Repository -Force -WhatIf",
        ["Remove-StackUser"] = "Remove-StackUser $user -WhatIf",
        ["Remove-StackServiceAccount"] = "Remove-StackServiceAccount $bot -WhatIf",
        ["Revoke-StackApiKey"] = "Get-StackApiKey $bot | Revoke-StackApiKey -WhatIf",
        ["Remove-StackRole"] = "Remove-StackRole $role -WhatIf",
        ["Revoke-StackPermission"] = "Get-StackPermission $user | Revoke-StackPermission -WhatIf; Revoke-StackPermission -Principal $user -Role $role -Kind stages -WhatIf",
        ["Remove-StackTrustPolicy"] = "Remove-StackTrustPolicy $policy -WhatIf",
    };

    [Fact]
    public void WhatIfChangesNothingOnTheServerOrInTheStores()
    {
        var assembly = System.Reflection.Assembly.LoadFrom(Path.Combine(PowerShellSession.ModuleFolder, "StackOps.PowerShell.dll"));
        var changing = assembly.GetTypes().Where(WorksOnTheServer).Select(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).OfType<CmdletAttribute>().SingleOrDefault())
            .OfType<CmdletAttribute>().Where(a => a.SupportsShouldProcess).Select(a => $"{a.VerbName}-{a.NounName}").Order();
        Assert.Equal(changing, WhatIfScripts.Keys.Order());

        var (user, bot, role, stack) = (Unique("wi-user"), Unique("wi-bot"), Unique("wi-role"), Unique("wi-stack"));
        AsAdmin($$"""
            $user = '{{user}}'; $bot = '{{bot}}'; $role = '{{role}}'; $policy = 'octo-org-{{bot}}'
            $null = New-StackUser $user; $null = New-StackServiceAccount $bot; $null = New-StackApiKey $bot
            $null = New-StackRole $role -Permission stages:read
            $null = Grant-StackPermission $user $role -Kind stages
            $null = New-StackTrustPolicy $policy -Repository octo-org/{{bot}} -Principal $bot
            $null = New-Stack {{stack}} -Orchestrator default -ArtifactStore default
            $null = Initialize-StackRepository
            $null = New-Stack {{stack}} -Orchestrator default -ArtifactStore default -Label @{ here = 'repository' } -Scope Repository
            """);
        const string state = "(Get-StackUser), (Get-StackServiceAccount), (Get-StackApiKey), (Get-StackRole), (Get-StackPermission), (Get-StackTrustPolicy), (Get-Stack -Scope Server) | ForEach-Object { $_ } | ForEach-Object { \"$($_.GetType().Name) $_ $($_.RevokedAt) $($_.Labels.Count)\" }";
        string State() => string.Join("\n", _ps.Ok(state).Select(o => o.ToString()));
        var (server, files) = (State(), _ps.Snapshot());
        foreach (var (cmdlet, script) in WhatIfScripts)
        {
            var result = _ps.Run(script);
            Assert.True(result.Errors.Count == 0, $"{cmdlet}: {string.Join("; ", result.Errors)}");
            Assert.Empty(result.Output);
            Assert.Equal(server, State());
            Assert.Equal(files, _ps.Snapshot());
        }
    }

    /// <summary>
    /// The Action in a runner-like job with $env:STACKOPS_SERVER and a service account's key: it works on the
    /// server's store — the server verifies the record, which carries the service account's name — and
    /// mirrors the promotion as a deployment of the stage's environment.
    /// </summary>
    [Fact]
    public void TheActionPromotesThroughTheServerAsItsServiceAccountAndMirrorsTheDeployment()
    {
        using var registry = new DockerRegistry();
        using var github = new FakeGitHub();
        github.Environments["staging"] = (11, ["bob"], true);
        var (prefix, ci) = (Unique("act"), Unique("ci"));
        AsAdmin($$"""
            $null = New-ServiceConnector {{prefix}} docker password -Configuration @{ username = '{{registry.UserName}}'; password = (S '{{registry.UserPassword}}') } -ResourceType docker-registry -ResourceId '{{registry.Host}}'
            foreach ($stage in 'dev', 'staging') {
                $null = New-StackComponent container_registry "{{prefix}}-$stage" default -Configuration @{ uri = "{{registry.Host}}/{{prefix}}/$stage" }
                $null = Connect-StackComponent container_registry "{{prefix}}-$stage" {{prefix}}
                $null = New-Stack "{{prefix}}-$stage" -Orchestrator default -ArtifactStore default -ContainerRegistry "{{prefix}}-$stage"
            }
            Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = '{{prefix}}-dev' }, @{ Name = 'staging'; Stack = '{{prefix}}-staging'; Environment = 'staging' }
            $null = New-StackPipeline {{prefix}} ml/trainer -Require @{ container_registry = $null }
            $null = New-StackServiceAccount {{ci}}
            $null = Grant-StackPermission {{ci}} editor
            $script:ciKey = [System.Net.NetworkCredential]::new('', (New-StackApiKey {{ci}}).Key).Password
            """);
        registry.Push($"{prefix}/dev/ml/trainer", "1.0.0", "action through the server");
        _ps.Ok($"Publish-StackPipeline {prefix} 1.0.0; Disconnect-StackServer");
        var ciKey = (string)_ps.Ok("$ciKey").Single().BaseObject;

        var outputs = Path.Combine(_ps.Root, "outputs");
        var job = new Dictionary<string, string?>
        {
            ["STACKOPS_SERVER"] = _server.Address, ["STACKOPS_API_KEY"] = ciKey, ["GITHUB_ACTIONS"] = "true", ["GITHUB_WORKSPACE"] = _ps.WorkingDirectory,
            ["GITHUB_API_URL"] = github.ApiUrl, ["GITHUB_REPOSITORY"] = FakeGitHub.Repository, ["GITHUB_RUN_ID"] = "9100", ["GITHUB_SHA"] = "0123abcd0123abcd0123abcd0123abcd0123abcd",
            ["GITHUB_OUTPUT"] = outputs, ["GITHUB_STEP_SUMMARY"] = Path.Combine(_ps.Root, "summary"),
            ["INPUT_PIPELINE"] = prefix, ["INPUT_VERSION"] = "1.0.0", ["INPUT_TO"] = "staging", ["INPUT_STORE"] = ".stackops", ["INPUT_GITHUB_TOKEN"] = FakeGitHub.Token,
            ["INPUT_RECORD_DEPLOYMENT"] = "true", ["INPUT_DRY_RUN"] = "false",
        };
        var saved = job.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (name, value) in job) Environment.SetEnvironmentVariable(name, value);
            var run = _ps.Run("& $entry -Module $module", ("entry", Path.Combine(PowerShellSession.RepositoryRoot, "action", "entry.ps1")), ("module", PowerShellSession.ModuleManifest));
            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.ToString())));
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }

        Assert.Matches(@"promoted<<(\w+)\ntrue\n\1", File.ReadAllText(outputs));
        var deployment = Assert.Single(github.Deployments);
        Assert.Equal("staging", deployment.Environment);
        var record = AsAdmin($"Get-StackPromotion {prefix} -Stage staging -State Succeeded").Single();
        Assert.Equal(ci, Prop(record, "RequestedBy"));
        Assert.DoesNotContain(ciKey, _server.Output);
    }
}
