using StackOps.Core.Errors;

namespace StackOps.Core.Model;

/// <summary>ZenML's component types, by ZenML's snake_case names, in the order stacks list them.</summary>
public static class ComponentTypes
{
    public const string Orchestrator = "orchestrator";
    public const string ArtifactStore = "artifact_store";
    public const string ContainerRegistry = "container_registry";

    public static readonly IReadOnlyList<string> All =
    [
        Orchestrator, ArtifactStore, ContainerRegistry, "experiment_tracker", "step_operator",
        "model_deployer", "model_registry", "feature_store", "image_builder", "alerter",
        "annotator", "data_validator", "log_store", "deployer",
    ];

    /// <summary>The PascalCase form PowerShell users type: artifact_store → ArtifactStore.</summary>
    public static string ToPascalCase(string type) =>
        string.Concat(type.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>Accepts artifact_store, ArtifactStore, artifact-store (any case) and returns artifact_store.</summary>
    public static string Normalize(string type)
    {
        var key = type.Replace("-", "").Replace("_", "").Trim();
        foreach (var known in All)
            if (string.Equals(known.Replace("_", ""), key, StringComparison.OrdinalIgnoreCase)) return known;
        throw Fail.UnknownComponentType(type);
    }

    public static int Order(string type)
    {
        for (var i = 0; i < All.Count; i++) if (All[i] == type) return i;
        return All.Count;
    }
}
