using System.Diagnostics;
using System.Text.Json;

/// <summary>
/// Issue 16's figures in a real pwsh (the tool manifest's): Import-Module over an empty pwsh, and
/// Get-Stack, its first object and Get-Stack | Format-Table on a store of 10,000 stacks
/// (30,000 components). bench/Measure-InPwsh.ps1 measures; this prints them with their targets.
/// </summary>
internal static class ListingBench
{
    public static void Run(string manifest)
    {
        var root = Bench.Built("RepositoryRoot");
        var store = Directory.CreateTempSubdirectory("stackops-bench-listing-").FullName;
        try
        {
            Bench.Generate(store, stacks: 10_000, components: 30_000);
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
            var integrations = Bench.Built("Integrations");
            foreach (var argument in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", Path.Combine(root, "bench", "Measure-InPwsh.ps1"), "-Module", manifest, "-Store", store,
                         "-EmptyModule", Bench.Built("EmptyModule"), "-OneCmdletModule", Bench.Built("OneCmdletModule"), "-Integrations", integrations })
                start.ArgumentList.Add(argument);
            using var pwsh = Process.Start(start)!;
            var errors = pwsh.StandardError.ReadToEndAsync();
            var output = pwsh.StandardOutput.ReadToEnd();
            pwsh.WaitForExit();
            if (pwsh.ExitCode != 0) throw new InvalidOperationException($"Measure-InPwsh.ps1 failed: {output}{errors.Result}");
            var figures = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
            double F(string name) => figures.GetProperty(name).GetDouble();
            double Over(string kind, string run = "") => F($"{kind}{run}Ms") - F($"ImportEmpty{run}Ms");
            Console.WriteLine($"Real pwsh ({figures.GetProperty("Stacks").GetInt32():N0} stacks listed, 30,000 components)     median");
            Console.WriteLine("  a new pwsh -NoProfile, each kind with its startup profile from its last run / with none (a machine's first run):");
            Console.WriteLine($"    doing nothing                          {F("ImportEmptyMs"),8:0.0} ms / {F("ImportEmptyColdMs"),6:0.0} ms");
            Console.WriteLine($"    importing an empty manifest            {Over("ImportEmptyModule"),8:+0.0} ms / {Over("ImportEmptyModule", "Cold"),6:+0.0} ms  (PowerShell's floor for any module)");
            Console.WriteLine($"    importing a one-cmdlet binary module   {Over("ImportOneCmdletModule"),8:+0.0} ms / {Over("ImportOneCmdletModule", "Cold"),6:+0.0} ms  (PowerShell's floor for a binary module)");
            Console.WriteLine($"    importing StackOps                     {Over("ImportWithModule"),8:+0.0} ms / {Over("ImportWithModule", "Cold"),6:+0.0} ms");
            Console.WriteLine($"    StackOps over the one-cmdlet module    {F("ImportWithModuleMs") - F("ImportOneCmdletModuleMs"),8:0.0} ms / {F("ImportWithModuleColdMs") - F("ImportOneCmdletModuleColdMs"),6:0.0} ms");
            Console.WriteLine($"  the same, no integration / {figures.GetProperty("Integrations").GetInt32()} registered {F("ImportWithoutIntegrationsMs"),6:0} / {F("ImportWithIntegrationsMs"),4:0} ms ({F("ImportWithIntegrationsMs") / F("ImportWithoutIntegrationsMs"):0.00}×)");
            Console.WriteLine($"  Import-Module in a running pwsh          {F("ImportInProcessMs"),8:0.0} ms");
            Console.WriteLine($"  Get-Stack, all (warm)                    {F("GetStackMs"),8:0.0} ms");
            Console.WriteLine($"  Get-Stack, first object                  {F("FirstObjectMs"),8:0.0} ms");
            Console.WriteLine($"  Get-Stack | Format-Table | Out-String    {F("FormatTableMs"),8:0.0} ms");
            Console.WriteLine($"  Get-StackComponent, all 30,000 (warm)    {F("GetStackComponentMs"),8:0.0} ms");
            Bench.Target("Import-Module over an empty pwsh (wall, started again)", Over("ImportWithModule"), 100);
            Bench.Target("Get-Stack over 10,000 stacks (warm)", F("GetStackMs"), 250);
            Bench.Target("Get-Stack's first object", F("FirstObjectMs"), 20);
            Bench.Target("Get-Stack | Format-Table over 10,000 stacks", F("FormatTableMs"), 400);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }
}
