using StackOps.Core;
using StackOps.Core.Model;
using StackOps.Core.Store;

namespace StackOps.Core.Tests;

/// <summary>An engine on a fresh temporary user store, deleted on dispose.</summary>
public sealed class TestStore : IDisposable
{
    public TestStore()
    {
        Root = Directory.CreateTempSubdirectory("stackops-core-").FullName;
        Engine = Open(Root);
    }

    public string Root { get; }
    public StackOpsEngine Engine { get; }

    public static StackOpsEngine Open(string root) => new(new StoreLocation(StoreScope.User, root, null, root));

    public string File(string relative) => Path.Combine(Root, relative);

    /// <summary>Every file with its content: proof that a failed operation changed nothing.</summary>
    public IReadOnlyDictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock"))
            .ToDictionary(f => Path.GetRelativePath(Root, f), System.IO.File.ReadAllText);

    /// <summary>A small valid remote stack: kubernetes orchestrator, s3 artifact store, a registry.</summary>
    public void AddRemoteStack(string name = "staging")
    {
        Engine.Components.Create("orchestrator", "k8s", "kubernetes", new Dictionary<string, object?> { ["kubernetes_context"] = "staging" });
        Engine.Components.Create("artifact_store", "s3-staging", "s3", new Dictionary<string, object?> { ["path"] = "s3://ml-staging/artifacts" });
        Engine.Components.Create("container_registry", "ecr", "aws", new Dictionary<string, object?> { ["uri"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com" });
        Engine.Stacks.Create(name, new Dictionary<string, string>
        {
            ["orchestrator"] = "k8s", ["artifact_store"] = "s3-staging", ["container_registry"] = "ecr",
        });
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
