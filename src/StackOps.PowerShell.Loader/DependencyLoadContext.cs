using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace StackOps.Loader;

/// <summary>
/// Loads the engine (StackOps.Core) and its private dependencies (YamlDotNet, ...) from the
/// module's dependencies/ folder into StackOps' own AssemblyLoadContext. The cmdlet assembly stays
/// in the default context; when it first needs StackOps.Core, the default context cannot find it
/// (it is not next to the cmdlets) and asks this resolver, registered before the cmdlet assembly loads. Any other module may then load another
/// version of YamlDotNet into the default context without clashing with ours.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private static readonly string DependencyFolder =
        Path.Combine(Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!, "dependencies");

    private static readonly DependencyLoadContext Instance = new();
    private static int _registered;

    private DependencyLoadContext() : base("StackOps") { }

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0) Default.Resolving += ResolveEngine;
    }

    /// <summary>The engine, and the abstractions its integrations share (the cmdlets name their types too).</summary>
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name is "StackOps.Core" or "StackOps.Abstractions" ? Instance.LoadFromAssemblyName(name) : null;

    /// <summary>
    /// The module's copy of a dependency, unless the host (the .NET runtime or PowerShell) already
    /// has it at the version asked for or later: then the host's is shared, so that framework types
    /// (System.Text.Json, DiagnosticSource) are the same types on both sides.
    /// </summary>
    protected override Assembly? Load(AssemblyName name)
    {
        if (HostPaths.Value.TryGetValue(name.Name!, out var hostPath) && HostVersion(hostPath) >= (name.Version ?? new Version())) return null;
        var path = Path.Combine(DependencyFolder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>A native library a dependency imports (libsodium), from dependencies/runtimes/RID/native/.</summary>
    protected override IntPtr LoadUnmanagedDll(string name)
    {
        var folder = Path.Combine(DependencyFolder, "runtimes", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, "native");
        var (prefix, extension) = OperatingSystem.IsWindows() ? ("", ".dll") : OperatingSystem.IsMacOS() ? ("lib", ".dylib") : ("lib", ".so");
        foreach (var file in new[] { name + extension, prefix + name + extension })
            if (File.Exists(Path.Combine(folder, file))) return LoadUnmanagedDllFromPath(Path.Combine(folder, file));
        return IntPtr.Zero;
    }

    /// <summary>The host's trusted platform assemblies, by name (their versions are read only when asked).</summary>
    private static readonly Lazy<Dictionary<string, string>> HostPaths = new(() =>
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(path => Path.GetFileNameWithoutExtension(path), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase));

    private static Version HostVersion(string path)
    {
        try { return AssemblyName.GetAssemblyName(path).Version ?? new Version(); }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException) { return new Version(); }
    }
}

/// <summary>Runs when Import-Module loads this nested module, before the cmdlet assembly is loaded.</summary>
public sealed class LoaderInitializer : IModuleAssemblyInitializer
{
    public void OnImport() => DependencyLoadContext.Register();
}
