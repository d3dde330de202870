namespace StackOps.Tests.Shared;

/// <summary>The build output of the integrations the tests register (built with the tests, in their configuration).</summary>
public static class TestIntegrations
{
    // BaseDirectory is tests/PROJECT/bin/CONFIGURATION/TFM/.
    private static readonly DirectoryInfo Output = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
    private static readonly string Configuration = Output.Parent!.Name;
    private static readonly string Root = Output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    /// <summary>tests/Integrations/NAME's output: Alpha, Beta (two versions of Newtonsoft.Json), Broken (throws when constructed).</summary>
    public static string Test(string name) => Path.Combine(Root, "tests", "Integrations", name, "bin", Configuration, "net8.0");

    /// <summary>The example integration (examples/integrations/StackOps.Integrations.Shell).</summary>
    public static string Shell => Path.Combine(Root, "examples", "integrations", "StackOps.Integrations.Shell", "bin", Configuration, "net8.0");
}
