using StackOps.Tests.Shared;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.Core.Tests;

public static class ConcurrencyWorker
{
    /// <summary>Each change is a read-modify-write of one shared component's labels, plus a component of its own.</summary>
    public static int Run(string root, string id, int count)
    {
        var engine = TestStore.Open(root);
        for (var i = 0; i < count; i++)
        {
            engine.Components.Update("artifact_store", "shared", null, labels: new Dictionary<string, string?> { [$"w{id}-{i}"] = "1" });
            engine.Components.Create("orchestrator", $"o-{id}-{i}", "local", new Dictionary<string, object?>());
        }
        return 0;
    }
}

public sealed class ConcurrencyTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void FourProcessesUpdatingOneStoreLoseNothing()
    {
        const int workers = 4, changes = 60;
        _store.Engine.Components.Create("artifact_store", "shared", "local", new Dictionary<string, object?>());
        var processes = Enumerable.Range(0, workers).Select(id => ChildProcess.Start("worker", _store.Root, id.ToString(), changes.ToString())).ToList();
        foreach (var process in processes)
        {
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "a worker did not finish");
            Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        }

        var shared = _store.Engine.Components.Get("artifact_store", "shared");
        Assert.Equal(workers * changes, shared.Labels.Count);
        var orchestrators = _store.Engine.Components.List("orchestrator");
        Assert.Empty(orchestrators.Problems);
        Assert.Equal(workers * changes + 1, orchestrators.Items.Count);
        foreach (var file in Directory.EnumerateFiles(_store.Root, "*.yaml", SearchOption.AllDirectories))
            Assert.NotEmpty(YamlText.Parse(File.ReadAllText(file), file));
        Assert.Empty(Directory.EnumerateFiles(_store.Root, "*.tmp", SearchOption.AllDirectories));
    }
}
