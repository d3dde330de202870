namespace StackOps.Core.Cloud;

/// <summary>
/// A cloud StackOps can deploy a stack on: its Terraform root module (embedded, written out for
/// review), the orchestrator flavors that module provisions (the first is the default), and the
/// module variables that must be given beyond the common ones.
/// </summary>
public sealed record CloudProvider(string Name, string Title, string TerraformProvider, IReadOnlyList<string> Orchestrators, IReadOnlyList<string> RequiredVariables)
{
    /// <summary>The module's files: the cloud's own, and the variables every cloud's module takes (common-variables.tf).</summary>
    public IEnumerable<(string File, string Text)> ModuleFiles() => Embedded(Name, "").Concat(Embedded("common", "common-"));

    private static IEnumerable<(string File, string Text)> Embedded(string folder, string filePrefix)
    {
        var assembly = typeof(CloudProvider).Assembly;
        var prefix = $"StackOps.Core.Cloud.Modules.{folder}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (filePrefix + resource[prefix.Length..], reader.ReadToEnd());
        }
    }

    /// <summary>The names of the module's variables (as its variables files declare them).</summary>
    public IReadOnlyList<string> Variables() =>
        ModuleFiles().Where(f => f.File.EndsWith("variables.tf", StringComparison.Ordinal)).SelectMany(f => System.Text.RegularExpressions.Regex.Matches(f.Text, "^variable \"([a-z_0-9]+)\"", System.Text.RegularExpressions.RegexOptions.Multiline))
            .Select(m => m.Groups[1].Value).ToList();
}

/// <summary>The clouds, in one place.</summary>
public static class CloudProviders
{
    public static readonly IReadOnlyList<CloudProvider> All =
    [
        new("aws", "Amazon Web Services", "aws", ["sagemaker", "kubernetes"], []),
        new("azure", "Microsoft Azure", "azurerm", ["azureml", "kubernetes"], ["subscription_id"]),
        new("gcp", "Google Cloud", "google", ["vertex", "kubernetes"], ["project_id"]),
    ];

    public static CloudProvider Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new Errors.StackOpsException("UnknownCloudProvider", Errors.ErrorKind.InvalidArgument,
            $"'{name}' is not a cloud StackOps deploys stacks on. Use one of: {string.Join(", ", All.Select(p => p.Name))}.", name);
}
