namespace StackOps.PowerShell.Tests;

public sealed class RepositoryTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ARepositoryStoreIsFoundFromSubfoldersAndScopeUserStaysSeparate()
    {
        Assert.Empty(_ps.Ok("Initialize-StackRepository"));
        Assert.True(File.Exists(Path.Combine(_ps.WorkingDirectory, ".stackops", ".gitignore")));
        Directory.CreateDirectory(Path.Combine(_ps.WorkingDirectory, "src", "pipelines"));
        _ps.Ok("$null = $ExecutionContext.SessionState.Path.SetLocation('src/pipelines'); New-StackComponent orchestrator k8s kubernetes; New-Stack repo -Orchestrator k8s -ArtifactStore default -ContainerRegistry reg 2>$null; New-Stack repo -Orchestrator default -ArtifactStore default");
        Assert.True(File.Exists(Path.Combine(_ps.WorkingDirectory, ".stackops", "stacks", "repo.yaml")));
        Assert.True(File.Exists(Path.Combine(_ps.WorkingDirectory, ".stackops", "components", "orchestrator", "k8s.yaml")));

        _ps.Ok("New-Stack mine -Orchestrator default -ArtifactStore default -Scope User");
        Assert.True(File.Exists(Path.Combine(_ps.Home, "stacks", "mine.yaml")));
        Assert.Equal(["default", "repo"], _ps.Ok("Get-Stack").Select(o => (string)o.Properties["Name"].Value).Order());
        Assert.Equal(["default", "mine"], _ps.Ok("Get-Stack -Scope User").Select(o => (string)o.Properties["Name"].Value).Order());
        Assert.Equal("Repository", _ps.Ok("(Get-Stack repo).Scope.ToString()").Single().BaseObject);

        _ps.Ok("Set-ActiveStack repo");
        Assert.Equal("repo", _ps.Ok("(Get-Stack -Active).Name").Single().BaseObject);
        Assert.Equal("default", _ps.Ok("(Get-Stack -Active -Scope User).Name").Single().BaseObject);
        Assert.DoesNotContain("active", string.Join(",", Directory.EnumerateFiles(Path.Combine(_ps.WorkingDirectory, ".stackops"), "*", SearchOption.AllDirectories)));
    }

    [Fact]
    public void InitializingTwiceNeedsForceAndScopeRepositoryNeedsARepository()
    {
        _ps.Fails("New-Stack x -Orchestrator default -ArtifactStore default -Scope Repository", $"RepositoryNotFound,{Commands}.NewStackCommand");
        _ps.Ok("Initialize-StackRepository");
        _ps.Fails("Initialize-StackRepository", $"RepositoryAlreadyInitialized,{Commands}.InitializeStackRepositoryCommand");
        Assert.Equal(Path.Combine(_ps.WorkingDirectory, ".stackops"), _ps.Ok("(Initialize-StackRepository -Force -PassThru).Root").Single().BaseObject);
    }
}
