namespace StackOps.Abstractions;

/// <summary>
/// A rule an integration adds to Test-Stack: it sees the stack's components (their configuration as
/// stored, secret references unresolved) and returns one problem per thing that is wrong.
/// </summary>
public interface IStackValidator
{
    /// <summary>The problems of one stack; none when it is fine.</summary>
    IEnumerable<StackProblem> Validate(StackDescription stack);
}

/// <summary>A stack as validators see it.</summary>
/// <param name="Name">The stack's name.</param>
/// <param name="Components">Its components, one per component type.</param>
public sealed record StackDescription(string Name, IReadOnlyList<ComponentDescription> Components);

/// <summary>One component of a stack.</summary>
/// <param name="Type">The component type (orchestrator, artifact_store...).</param>
/// <param name="Name">The component's name.</param>
/// <param name="Flavor">Its flavor.</param>
/// <param name="Configuration">Its configuration as stored (secret references unresolved).</param>
public sealed record ComponentDescription(string Type, string Name, string Flavor, IReadOnlyDictionary<string, object?> Configuration);

/// <summary>One problem: a stable PascalCase code, a message that says what to do, and the component it is about, if one.</summary>
public sealed record StackProblem(string Code, string Message, string? ComponentType = null, string? Component = null);
