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

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "StackOps.Core" ? Instance.LoadFromAssemblyName(name) : null;

    protected override Assembly? Load(AssemblyName name)
    {
        var path = Path.Combine(DependencyFolder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}

/// <summary>Runs when Import-Module loads this nested module, before the cmdlet assembly is loaded.</summary>
public sealed class LoaderInitializer : IModuleAssemblyInitializer
{
    public void OnImport() => DependencyLoadContext.Register();
}
