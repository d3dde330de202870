using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;

namespace StackOps.PowerShell.Tests;

public sealed class ModuleTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    private IReadOnlyList<string> ExportedCmdlets() =>
        _ps.Ok("(Get-Module StackOps).ExportedCmdlets.Keys").Select(o => (string)o.BaseObject).Order().ToList();

    [Fact]
    public void TheManifestExportsExactlyTheCmdletsOfTheAssemblyWithApprovedVerbs()
    {
        var declared = _ps.Ok($"(Test-ModuleManifest -Path '{PowerShellSession.ModuleManifest}').ExportedCmdlets.Keys");
        var inAssembly = _ps.Ok("(Get-Command -Module StackOps -CommandType Cmdlet).Name").Select(o => (string)o.BaseObject).Order().ToList();
        Assert.Equal(89, inAssembly.Count);
        Assert.Equal(inAssembly, ExportedCmdlets());
        Assert.Equal(inAssembly, declared.Select(o => (string)o.BaseObject).Order());
        // Get-Verb lives in the Utility module, which the hosted engine lacks; it lists these classes' constants.
        var approved = new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
            .SelectMany(t => t.GetFields()).Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.All(inAssembly, name => Assert.Contains(name.Split('-')[0], approved));
        Assert.Equal("0.1.0", _ps.Ok("(Get-Module StackOps).Version.ToString()").Single().BaseObject);
    }

    /// <summary>
    /// Import-Module loads every exported type of the cmdlet assembly and reads its constructors and
    /// attributes; none of that may need the engine, which loads at the first command instead (shells
    /// that import StackOps in their profile pay the import at every start). The cmdlet assembly is
    /// loaded here into a context of its own that records what it asks for.
    /// </summary>
    [Fact]
    public void ImportingTheCmdletsNeedsNeitherTheEngineNorTheAbstractions()
    {
        var context = new RecordingLoadContext();
        try
        {
            var cmdlets = context.LoadFromAssemblyPath(Path.Combine(PowerShellSession.ModuleFolder, "StackOps.PowerShell.dll"));
            var found = cmdlets.ExportedTypes.Where(t => !t.IsAbstract && !t.IsInterface && !t.IsValueType && t.GetConstructor(Type.EmptyTypes) is not null)
                .Count(t => t.IsSubclassOf(typeof(Cmdlet)) && t.GetCustomAttributes(typeof(CmdletAttribute), false).Length == 1);

            Assert.Equal(89, found);
            Assert.DoesNotContain(context.Requested, name => name.StartsWith("StackOps.", StringComparison.Ordinal));
            // The check can fail: a parameter's type is the engine's.
            _ = cmdlets.GetType("StackOps.PowerShell.StoreCmdlet", throwOnError: true)!.GetProperty("Scope")!.PropertyType;
            Assert.Contains("StackOps.Core", context.Requested);
        }
        finally { context.Unload(); }
    }

    private sealed class RecordingLoadContext() : System.Runtime.Loader.AssemblyLoadContext(isCollectible: true)
    {
        public List<string> Requested { get; } = [];

        protected override Assembly? Load(AssemblyName name)
        {
            Requested.Add(name.Name!);
            return null;
        }
    }

    [Fact]
    public void TestModuleManifestPassesAndLinksTheLicenseAndTheChangelog()
    {
        var module = _ps.Ok($"Test-ModuleManifest -Path '{PowerShellSession.ModuleManifest}'").Single();
        Assert.Equal("StackOps", Prop(module, "Name"));
        const string project = "https://github.com/stackops/stackops";
        Assert.Equal(new Uri(project), Prop(module, "ProjectUri"));
        Assert.Equal(new Uri($"{project}/blob/main/LICENSE"), Prop(module, "LicenseUri"));
        Assert.Equal($"{project}/blob/main/CHANGELOG.md", Prop(module, "ReleaseNotes"));
        Assert.Contains("StackOps contributors", (string)Prop(module, "Copyright")!);

        var license = File.ReadAllLines(Path.Combine(PowerShellSession.RepositoryRoot, "LICENSE"));
        Assert.Equal("MIT License", license[0]);
        Assert.Matches(@"^Copyright \(c\) \d{4} StackOps contributors$", license[2]);
        var changelog = File.ReadAllLines(Path.Combine(PowerShellSession.RepositoryRoot, "CHANGELOG.md"));
        Assert.Equal("# Changelog", changelog[0]);
        Assert.Contains("## [Unreleased]", changelog);
        Assert.Contains($"[Unreleased]: {project}/commits/main", changelog);
    }

    [Fact]
    public void CmdletClassesAreSealedAndDeclareTheirOutput()
    {
        var assembly = Assembly.LoadFrom(Path.Combine(PowerShellSession.ModuleFolder, "StackOps.PowerShell.dll"));
        var cmdlets = assembly.GetTypes().Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null).ToList();
        Assert.Equal(89, cmdlets.Count);
        foreach (var type in cmdlets)
        {
            var attribute = type.GetCustomAttribute<CmdletAttribute>()!;
            Assert.True(type.IsSealed, type.Name);
            Assert.Equal($"{attribute.VerbName}{attribute.NounName}Command", type.Name);
            Assert.NotEmpty(type.GetCustomAttributes<OutputTypeAttribute>());
        }
    }

    /// <summary>
    /// What Format-List shows of a nested object is its ToString: every StackOps type an output object holds
    /// (a property, or an item of one) writes its own, never the compiler's record dump or a .NET type name.
    /// </summary>
    [Fact]
    public void NestedObjectsOfTheOutputTypesReadAsText()
    {
        var assembly = Assembly.LoadFrom(Path.Combine(PowerShellSession.ModuleFolder, "StackOps.PowerShell.dll"));
        var outputs = assembly.GetTypes().SelectMany(t => t.GetCustomAttributes<OutputTypeAttribute>()).SelectMany(a => a.Type).Select(t => t.Type).OfType<Type>();
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>(outputs);
        var unreadable = new List<string>();
        while (pending.TryDequeue(out var type))
        {
            if (!seen.Add(type) || type.Namespace?.StartsWith("StackOps", StringComparison.Ordinal) != true || type.IsEnum) continue;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                foreach (var nested in Nested(property.PropertyType))
                {
                    pending.Enqueue(nested);
                    if (nested.Namespace?.StartsWith("StackOps", StringComparison.Ordinal) == true && !nested.IsEnum && !ReadsAsText(nested))
                        unreadable.Add($"{type.Name}.{property.Name}: {nested.Name}");
                }
        }
        Assert.Contains(seen, t => t.Name == "PromotionStep");
        Assert.True(unreadable.Count == 0, string.Join("\n", unreadable.Distinct()));
    }

    /// <summary>A type, or what a collection or dictionary of it holds.</summary>
    private static IEnumerable<Type> Nested(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray) return Nested(type.GetElementType()!);
        if (type.IsGenericType && type.GetGenericArguments().Length > 0 && typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
            return type.GetGenericArguments().SelectMany(Nested);
        return [type];
    }

    private static bool ReadsAsText(Type type) =>
        type.GetMethod(nameof(ToString), Type.EmptyTypes) is { } method && method.DeclaringType == type
        && !method.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute));

    [Fact]
    public void EveryCmdletHasFullHelp()
    {
        foreach (var name in ExportedCmdlets())
        {
            var help = _ps.Ok($"Get-Help {name} -Full").Single();
            Assert.False(string.IsNullOrWhiteSpace(Prop(help, "Synopsis") as string), $"{name}: synopsis");
            Assert.NotEqual(name, ((string)Prop(help, "Synopsis")!).Trim());
            Assert.NotEmpty(_ps.Ok($"(Get-Help {name} -Full).Description | ForEach-Object Text"));
            Assert.NotEmpty(_ps.Ok($"(Get-Help {name} -Full).Examples.Example"));
            var parameters = _ps.Ok($"(Get-Command {name}).Parameters.Keys").Select(o => (string)o.BaseObject)
                .Where(p => !Cmdlet.CommonParameters.Contains(p) && !Cmdlet.OptionalCommonParameters.Contains(p)).ToList();
            foreach (var parameter in parameters)
                Assert.True(_ps.Ok($"(Get-Help {name} -Parameter {parameter}).Description | ForEach-Object Text").Any(t => !string.IsNullOrWhiteSpace(t.BaseObject as string)),
                    $"{name} -{parameter} has no help");
        }
        Assert.Contains("Initialize-StackRepository", string.Join("\n", _ps.Ok("Get-Help about_StackOps | ForEach-Object { \"$_\" }").Select(o => o.BaseObject)));
    }

    [Fact]
    public void ApproveStackPromotionSaysThatAFileStoreApprovalIsSelfAsserted()
    {
        var description = string.Join(" ", _ps.Ok("(Get-Help Approve-StackPromotion -Full).Description | ForEach-Object Text").Select(o => o.BaseObject));
        Assert.Contains("In a file store the approver's identity is self-asserted", description);
        Assert.Contains("a record, not a control", description);
    }

    [Fact]
    public void ImportsNextToAModuleThatLoadedAnotherYamlDotNet()
    {
        var other = typeof(ModuleTests).Assembly.GetCustomAttributes<OtherYamlDotNetAttribute>().Single().Path;
        using var session = new PowerShellSession(importModule: false);
        session.Ok($"Import-Module -Name '{other}'");
        Assert.Equal("13.0.0.0", session.Ok("[YamlDotNet.Serialization.Serializer].Assembly.GetName().Version.ToString()").Single().BaseObject);
        session.Ok($"Import-Module -Name '{PowerShellSession.ModuleManifest}'");
        session.Ok("New-Stack dev -Orchestrator default -ArtifactStore default");
        Assert.Equal(["default", "dev"], session.Ok("Get-Stack").Select(o => (string)Prop(o, "Name")!).Order());
        var context = session.Ok("[System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-Stack dev).GetType().Assembly).Name").Single().BaseObject;
        Assert.Equal("StackOps", context);
    }

    [Fact]
    public void EveryScriptInTheRepositoryParses()
    {
        var scripts = Directory.EnumerateFiles(PowerShellSession.RepositoryRoot, "*.ps1", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}out{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.Contains(scripts, s => s.EndsWith("quickstart.ps1"));
        Assert.Contains(scripts, s => s.Contains("Pester"));
        foreach (var script in scripts)
        {
            Parser.ParseFile(script, out _, out var errors);
            Assert.True(errors.Length == 0, $"{script}: {string.Join("; ", errors.Select(e => $"line {e.Extent.StartLineNumber}: {e.Message}"))}");
        }
    }

    [Fact]
    public void TabCompletionOffersStoreNames()
    {
        _ps.Ok("New-Stack staging -Orchestrator default -ArtifactStore default; New-StackComponent artifact_store s3-a s3 -Configuration @{ path = 's3://a' }");
        Assert.Equal(["staging"], Complete("StackNameCompleter", "Name", "sta"));
        Assert.Equal(["s3-a"], Complete("ComponentNameCompleter", "ArtifactStore", "s3"));
        Assert.Empty(Complete("ComponentNameCompleter", "Orchestrator", "s3"));
        Assert.Equal(["artifact_store"], Complete("ComponentTypeCompleter", "Type", "art"));
        Assert.Equal(["kubeflow", "kubernetes"], Complete("FlavorNameCompleter", "Flavor", "kub", "@{ Type = 'orchestrator' }").Order());
        Assert.Contains("StackNameCompleter", _ps.Ok("(Get-Command Remove-Stack).Parameters['Name'].Attributes | ForEach-Object { $_.Type.Name }").Select(o => o?.BaseObject as string));
    }

    /// <summary>Asks the completer the way PowerShell does, with the words typed and the parameters already bound.</summary>
    private IReadOnlyList<string> Complete(string completer, string parameter, string word, string bound = "@{}") =>
        _ps.Ok($"[StackOps.PowerShell.Completion.{completer}]::new().CompleteArgument('', '{parameter}', '{word}', $null, {bound}) | ForEach-Object CompletionText")
            .Select(o => (string)o.BaseObject).ToList();

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;
}
