using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

// The figures the issues ask for: module import time in the hosted engine, Get-Stack / Test-Stack
// latency on a store of 1,000 stacks and 5,000 components that this program generates (#2),
// Resolve-StackConfiguration on a stack of 14 components holding 100 secret references (#3), and a
// 200 MB image copied between two local registries by StackOps, skopeo and a logic-free pipe (#5),
// and in a real pwsh: Import-Module and listings of 10,000 stacks (#16).
// `-- server`, `-- copy`, `-- listing`: those figures alone.
if (args is ["server"])
{
    ServerBench.Run();
    return 0;
}
if (args is ["copy"])
{
    ImageCopyBench.Run();
    return 0;
}
if (args is ["first-import", var module])
{
    // One process, one figure: the first import of a module in the hosted engine, after the engine's own start-up.
    Bench.Open(null).Dispose();
    var without = Bench.Median(5, () => Bench.Open(null).Dispose());
    Console.WriteLine((Bench.Time(() => Bench.Open(module).Dispose()) - without).ToString(System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}
if (args is ["listing"])
{
    ListingBench.Run(Bench.Built("ModuleManifest"));
    return 0;
}
var manifest = Bench.Built("ModuleManifest");
var store = Directory.CreateTempSubdirectory("stackops-bench-").FullName;
Environment.SetEnvironmentVariable("STACKOPS_HOME", store);
Environment.SetEnvironmentVariable("STACKOPS_ACTIVE_STACK", null);
try
{
    Console.WriteLine($"StackOps benchmark — {manifest}");
    Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    Console.WriteLine();

    // 1. Import. The engine's own start-up is paid by the first runspace of the process, so one is
    //    opened without the module first; the next one, with the module, pays what StackOps costs a
    //    user on first import (loading its assemblies, reading the manifest and format file).
    var coldEngine = Bench.Time(() => Bench.Open(null).Dispose());
    var coldWith = Bench.Time(() => Bench.Open(manifest).Dispose());
    var warmWithout = Bench.Median(10, () => Bench.Open(null).Dispose());
    var warmWith = Bench.Median(10, () => Bench.Open(manifest).Dispose());
    var firstCommand = Bench.Time(() =>
    {
        using var rs = Bench.Open(manifest);
        Bench.Invoke(rs, "Get-Stack");
    });
    var coldImport = coldWith - warmWithout;
    Console.WriteLine("Module import (hosted engine)");
    Console.WriteLine($"  first runspace of the process, no module (engine start-up):  {coldEngine,8:0.0} ms");
    Console.WriteLine($"  first runspace with the module (first import):               {coldWith,8:0.0} ms");
    Console.WriteLine($"  runspace without the module (median of 10):                  {warmWithout,8:0.0} ms");
    Console.WriteLine($"  runspace with the module (median of 10, assemblies loaded):  {warmWith,8:0.0} ms");
    Console.WriteLine($"  first import cost (first with − without):                    {coldImport,8:0.0} ms");
    Console.WriteLine($"  later import cost (median with − without):                   {warmWith - warmWithout,8:0.0} ms");
    Console.WriteLine($"  new runspace + import + first Get-Stack:                     {firstCommand,8:0.0} ms");
    var (emptyModule, oneCmdletModule, ours) = FirstImports(manifest);
    Console.WriteLine($"  first import, new processes alternating (median of {Bench.FirstImportRounds}):");
    Console.WriteLine($"    an empty manifest (PowerShell's floor for any module)      {emptyModule,8:0.0} ms");
    Console.WriteLine($"    a one-cmdlet binary module (its floor for a binary one)    {oneCmdletModule,8:0.0} ms");
    Console.WriteLine($"    StackOps                                                   {ours,8:0.0} ms  (+{ours - oneCmdletModule:0.0} ms over the one-cmdlet module)");
    Console.WriteLine();

    // 2. The store: 1,000 stacks over 5,000 components, written directly as the store's YAML documents.
    var generate = Stopwatch.StartNew();
    Bench.Generate(store, stacks: 1000, components: 5000);
    Console.WriteLine($"Generated 1,000 stacks and 5,000 components in {generate.ElapsedMilliseconds} ms ({store})");

    using var runspace = Bench.Open(manifest);
    // The generated artifact stores reference {{ aws.access_key_id }}: the secret exists, as it would for a user.
    Bench.Invoke(runspace, "New-StackSecret", ("Name", "aws"), ("Value", new System.Collections.Hashtable { ["access_key_id"] = Bench.Secure("AKIABENCHMARK0000000") }));
    var listed = Bench.Invoke(runspace, "Get-Stack").Count;
    if (listed != 1001) throw new InvalidOperationException($"Get-Stack listed {listed} stacks, expected 1,001 (1,000 + default).");
    var components = Bench.Invoke(runspace, "Get-StackComponent").Count;
    if (components != 5002) throw new InvalidOperationException($"Get-StackComponent listed {components} components, expected 5,002 (5,000 + the 2 built-in).");
    var result = Bench.Invoke(runspace, "Test-Stack", ("Name", "stack-0500")).Single();
    if (!(bool)result.Properties["IsValid"].Value) throw new InvalidOperationException("stack-0500 is not valid.");

    // 3. Latency.
    var listAll = Bench.Samples(20, () => Bench.Invoke(runspace, "Get-Stack"));
    var getOne = Bench.Samples(50, () => Bench.Invoke(runspace, "Get-Stack", ("Name", "stack-0500")));
    var testOne = Bench.Samples(50, () => Bench.Invoke(runspace, "Test-Stack", ("Name", "stack-0500")));
    var listComponents = Bench.Samples(10, () => Bench.Invoke(runspace, "Get-StackComponent"));
    Console.WriteLine();
    Console.WriteLine("Latency on 1,000 stacks / 5,000 components          median      p95");
    Console.WriteLine($"  Get-Stack (all 1,001)                         {Bench.P(listAll, 50),8:0.0} ms {Bench.P(listAll, 95),8:0.0} ms");
    Console.WriteLine($"  Get-Stack stack-0500                          {Bench.P(getOne, 50),8:0.0} ms {Bench.P(getOne, 95),8:0.0} ms");
    Console.WriteLine($"  Test-Stack stack-0500                         {Bench.P(testOne, 50),8:0.0} ms {Bench.P(testOne, 95),8:0.0} ms");
    Console.WriteLine($"  Get-StackComponent (all 5,002)                {Bench.P(listComponents, 50),8:0.0} ms {Bench.P(listComponents, 95),8:0.0} ms");
    Console.WriteLine();

    // 4. Secrets: 14 components (one per type) holding 100 references to 10 secrets of 10 keys, in the local backend.
    var references = Bench.AddSecretStack(runspace, "secrets-stack", references: 100, secrets: 10);
    if (!(bool)Bench.Invoke(runspace, "Test-Stack", ("Name", "secrets-stack")).Single().Properties["IsValid"].Value)
        throw new InvalidOperationException("secrets-stack is not valid.");
    var firstResolve = Bench.Time(() => Bench.Resolve(runspace, "secrets-stack", references));
    var resolve = Bench.Samples(100, () => Bench.Resolve(runspace, "secrets-stack", references));
    var testSecrets = Bench.Samples(100, () => Bench.Invoke(runspace, "Test-Stack", ("Name", "secrets-stack")));
    Console.WriteLine($"Secrets: 14 components, {references} references to 10 local secrets  median      p95");
    Console.WriteLine($"  Resolve-StackConfiguration (first call)       {firstResolve,8:0.0} ms");
    Console.WriteLine($"  Resolve-StackConfiguration (after the first)  {Bench.P(resolve, 50),8:0.0} ms {Bench.P(resolve, 95),8:0.0} ms");
    Console.WriteLine($"  Test-Stack, SecretAndKeyExists                {Bench.P(testSecrets, 50),8:0.0} ms {Bench.P(testSecrets, 95),8:0.0} ms");
    Console.WriteLine();
    ImageCopyBench.Run();
    Console.WriteLine();
    ListingBench.Run(manifest);
    Console.WriteLine();
    ServerBench.Run();
    Console.WriteLine();
    Console.WriteLine("Targets");
    Bench.Target($"module import (first in the process, median of {Bench.FirstImportRounds} processes)", ours, 300);
    Bench.Target("Get-Stack listing 1,000 stacks (median)", Bench.P(listAll, 50), 200);
    Bench.Target("one Test-Stack (median)", Bench.P(testOne, 50), 2);
    Bench.Target("resolving 14 components / 100 references, after the first call (p95)", Bench.P(resolve, 95), 10);
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"The benchmark failed: {e.Message}");
    return 1;
}
finally
{
    Directory.Delete(store, recursive: true);
}

/// <summary>The hosted engine's first import of an empty manifest, of a one-cmdlet binary module and of StackOps, each in a new process of this program, alternating.</summary>
static (double EmptyModule, double OneCmdletModule, double Ours) FirstImports(string manifest)
{
    double Once(string module)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        foreach (var argument in new[] { typeof(Bench).Assembly.Location, "first-import", module }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return double.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
    var modules = new[] { Bench.Built("EmptyModule"), Bench.Built("OneCmdletModule"), manifest };
    var times = modules.Select(_ => new List<double>()).ToArray();
    for (var round = 0; round < Bench.FirstImportRounds; round++)
        for (var kind = 0; kind < modules.Length; kind++)
            times[kind].Add(Once(modules[kind]));
    return (Bench.Median(times[0]), Bench.Median(times[1]), Bench.Median(times[2]));
}


internal static class Bench
{
    /// <summary>The first import happens once per process: its target is judged on the median of this many new processes, not on one.</summary>
    public const int FirstImportRounds = 9;

    public static Runspace Open(string? manifest)
    {
        var state = InitialSessionState.CreateDefault2();
        if (manifest is not null) state.ImportPSModule(manifest);
        var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        return runspace;
    }

    public static IReadOnlyList<PSObject> Invoke(Runspace runspace, string command, params (string Name, object Value)[] parameters)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddCommand(command);
        foreach (var (name, value) in parameters) shell.AddParameter(name, value);
        var output = shell.Invoke();
        if (shell.HadErrors) throw new InvalidOperationException($"{command}: {string.Join("; ", shell.Streams.Error)}");
        return output;
    }

    public static System.Security.SecureString Secure(string text) => new System.Net.NetworkCredential("", text).SecurePassword;

    /// <summary>
    /// Creates the secrets and a stack with one component per type. The built-in flavors' credential
    /// fields add up to fewer than 100, so each component has a custom flavor "bench" of its type with
    /// eight credential fields and two clear ones with defaults; references fill the credential fields.
    /// </summary>
    public static int AddSecretStack(Runspace runspace, string stack, int references, int secrets)
    {
        var keysPerSecret = references / secrets;
        for (var s = 0; s < secrets; s++)
        {
            var values = new System.Collections.Hashtable();
            for (var k = 0; k < keysPerSecret; k++) values[$"key_{k}"] = Secure($"bench-value-{s}-{k}");
            Invoke(runspace, "New-StackSecret", ("Name", $"bench-secret-{s}"), ("Value", values));
        }
        var types = new[] { "orchestrator", "artifact_store", "container_registry", "experiment_tracker", "step_operator", "model_deployer", "model_registry",
            "feature_store", "image_builder", "alerter", "annotator", "data_validator", "log_store", "deployer" };
        const int fieldsPerFlavor = 8;
        var fields = string.Concat(Enumerable.Range(0, fieldsPerFlavor).Select(i => $"    credential_{i}: {{ type: string, secret: true }}\n"));
        Invoke(runspace, "Register-StackFlavor", ("Yaml", string.Join("---\n", types.Select(type =>
            $"apiVersion: stackops.io/v1\nkind: Flavor\nmetadata: {{ name: bench, type: {type} }}\nspec:\n  local: false\n  configuration:\n{fields}" +
            "    endpoint: { type: string, default: 'https://bench.example.com', clearText: true }\n    timeout: { type: integer, default: 30 }\n"))));
        var components = new System.Collections.Hashtable();
        var placed = 0;
        foreach (var type in types)
        {
            var configuration = new System.Collections.Hashtable();
            for (var field = 0; field < fieldsPerFlavor && placed < references; field++, placed++)
                configuration[$"credential_{field}"] = $"{{{{ bench-secret-{placed % secrets}.key_{placed / secrets % keysPerSecret} }}}}";
            Invoke(runspace, "New-StackComponent", ("Type", type), ("Name", $"{stack}-{type}"), ("Flavor", "bench"), ("Configuration", configuration));
            components[type] = $"{stack}-{type}";
        }
        if (placed != references) throw new InvalidOperationException($"The components hold {placed} references, expected {references}.");
        Invoke(runspace, "New-Stack", ("Name", stack), ("Component", components));
        return placed;
    }

    /// <summary>Resolves a stack and checks that every reference resolved.</summary>
    public static void Resolve(Runspace runspace, string stack, int references)
    {
        var resolved = Invoke(runspace, "Resolve-StackConfiguration", ("Stack", stack)).Sum(c => ((string[])c.Properties["SecretFields"].Value).Length);
        if (resolved != references) throw new InvalidOperationException($"Resolved {resolved} references, expected {references}.");
    }

    public static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    public static double[] Samples(int count, Action action)
    {
        action();
        return Enumerable.Range(0, count).Select(_ => Time(action)).Order().ToArray();
    }

    public static double Median(int count, Action action) => P(Samples(count, action), 50);

    public static double Median(IEnumerable<double> samples) => P(samples.Order().ToArray(), 50);

    /// <summary>A path or value the build wrote into this assembly (the module, the server, the floor modules).</summary>
    public static string Built(string key) =>
        typeof(Bench).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static double P(double[] sorted, int percentile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];

    public static void Target(string what, double measured, double limit) =>
        Console.WriteLine($"  {(measured < limit ? "PASS" : "FAIL")}  {what}: {measured.ToString(limit <= 10 ? "0.00" : "0.0")} ms (target < {limit} ms)");

    /// <summary>Writes the documents as the store does: 1,000 orchestrators, 2,000 artifact stores, 2,000 registries; each stack uses three.</summary>
    public static void Generate(string root, int stacks, int components)
    {
        void Component(string type, string name, string flavor, string configuration)
        {
            var folder = Path.Combine(root, "components", type);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, name + ".yaml"),
                $"apiVersion: stackops.io/v1\nkind: StackComponent\nmetadata:\n  name: {name}\n  type: {type}\n  labels:\n    team: ml\nspec:\n  flavor: {flavor}\n  configuration:{configuration}\n");
        }
        var perKind = (components - stacks) / 2;
        for (var i = 1; i <= stacks; i++) Component("orchestrator", $"orchestrator-{i:0000}", "kubernetes", $"\n    kubernetes_context: cluster-{i % 7}\n    kubernetes_namespace: ml-{i:0000}");
        for (var i = 1; i <= perKind; i++) Component("artifact_store", $"store-{i:0000}", "s3", $"\n    path: s3://bucket-{i:0000}/artifacts\n    key: '{{{{ aws.access_key_id }}}}'");
        for (var i = 1; i <= perKind; i++) Component("container_registry", $"registry-{i:0000}", "default", $"\n    uri: registry{i % 5}.example.com/team-{i:0000}");
        Directory.CreateDirectory(Path.Combine(root, "stacks"));
        for (var i = 1; i <= stacks; i++)
            File.WriteAllText(Path.Combine(root, "stacks", $"stack-{i:0000}.yaml"),
                $"apiVersion: stackops.io/v1\nkind: Stack\nmetadata:\n  name: stack-{i:0000}\n  labels:\n    stage: dev\nspec:\n  components:\n    orchestrator: orchestrator-{i:0000}\n    artifact_store: store-{i:0000}\n    container_registry: registry-{i:0000}\n");
    }
}
