using System.Reflection;
using System.Runtime.Loader;
using StackOps.Abstractions;

namespace StackOps.Core.Integrations;

/// <summary>
/// One integration's own load context: its assemblies and their dependencies come from its folder
/// (through its .deps.json when it has one), so two integrations may use two versions of one
/// library; the only assembly shared with StackOps is StackOps.Abstractions, so that its types are
/// the same on both sides.
/// </summary>
internal sealed class IntegrationLoadContext : AssemblyLoadContext
{
    private static readonly Assembly Abstractions = typeof(StackIntegration).Assembly;
    private readonly string _folder;
    private readonly AssemblyDependencyResolver? _resolver;

    public IntegrationLoadContext(string name, string mainAssembly, bool collectible) : base($"StackOps integration {name}", collectible)
    {
        _folder = Path.GetDirectoryName(mainAssembly)!;
        MainAssembly = mainAssembly;
        _resolver = File.Exists(Path.ChangeExtension(mainAssembly, ".deps.json")) ? new AssemblyDependencyResolver(mainAssembly) : null;
    }

    public string MainAssembly { get; }

    protected override Assembly? Load(AssemblyName name)
    {
        if (string.Equals(name.Name, Abstractions.GetName().Name, StringComparison.Ordinal)) return Abstractions;
        var path = _resolver?.ResolveAssemblyToPath(name) ?? Path.Combine(_folder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string name) =>
        _resolver?.ResolveUnmanagedDllToPath(name) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
