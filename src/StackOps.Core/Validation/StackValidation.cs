using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Validation.Rules;

namespace StackOps.Core.Validation;

public enum FindingSeverity
{
    Error,
    Warning,
}

/// <summary>One problem of a stack: what, where (component, field, file, line) and what to do.</summary>
public sealed class StackValidationFinding
{
    public StackValidationFinding(FindingSeverity severity, string code, string message, string? componentType = null,
        string? component = null, string? field = null, string? file = null, int? line = null)
    {
        Severity = severity;
        Code = code;
        Message = message;
        ComponentType = componentType;
        Component = component;
        Field = field;
        File = file;
        Line = line;
    }

    public FindingSeverity Severity { get; }
    public string Code { get; }
    public string Message { get; }
    public string? ComponentType { get; }
    public string? Component { get; }
    public string? Field { get; }
    public string? File { get; }
    public int? Line { get; }

    public override string ToString() => Message;
}

public sealed class StackValidationResult
{
    public StackValidationResult(string stack, IReadOnlyList<StackValidationFinding> findings)
    {
        Stack = stack;
        Findings = findings;
    }

    public string Stack { get; }
    public bool IsValid => Findings.All(f => f.Severity != FindingSeverity.Error);
    public IReadOnlyList<StackValidationFinding> Findings { get; }

    public override string ToString() =>
        $"{Stack}: {(IsValid ? "valid" : "invalid")}{(Findings.Count == 0 ? "" : $" ({string.Join("; ", Findings.Select(f => $"{f.Severity}: {f.Message}"))})")}";

    /// <summary>The first error as an exception (its code as the error id, the stack as target), every error in the message.</summary>
    public StackOpsException ToException(Stack target)
    {
        var errors = Findings.Where(f => f.Severity == FindingSeverity.Error).ToList();
        return new StackOpsException(errors[0].Code, errors[0].Code.EndsWith("NotFound") ? ErrorKind.NotFound : ErrorKind.InvalidOperation,
            $"Stack '{Stack}' is not valid: {string.Join(" ", errors.Select(e => e.Message))}", target);
    }
}

/// <summary>The rules a stack must satisfy, ZenML's among them; Test-Stack and every stack change run them.</summary>
internal static class StackValidator
{
    /// <summary>
    /// Looks up each component and its flavor and checks its configuration, then runs the built-in validators, moreChecks
    /// (secret references) and integrationProblems (integrations' validators) on the components that were found.
    /// </summary>
    public static StackValidationResult Validate(Stack stack, Func<string, string, StackComponent?> findComponent, Func<string, string, Flavor?> findFlavor,
        bool strict = false, Func<IReadOnlyList<StackComponent>, IEnumerable<StackValidationFinding>>? moreChecks = null,
        Func<StackDescription, IEnumerable<(string Integration, StackProblem Problem)>>? integrationProblems = null)
    {
        var findings = new List<StackValidationFinding>();
        var resolved = new List<(StackComponent Component, Flavor Flavor)>();
        foreach (var (type, name) in stack.Components)
        {
            StackComponent? component;
            try { component = findComponent(type, name); }
            catch (StackOpsException e)
            {
                findings.Add(new(FindingSeverity.Error, e.ErrorId, e.Message, type, name, file: e.Target as string));
                continue;
            }
            if (component is null)
            {
                findings.Add(new(FindingSeverity.Error, "ComponentNotFound",
                    $"The {type} '{name}' does not exist; create it with New-StackComponent or change the stack with Set-Stack.", type, name, file: stack.Path));
                continue;
            }
            Flavor? flavor;
            try { flavor = findFlavor(type, component.Flavor); }
            catch (StackOpsException e)
            {
                findings.Add(new(FindingSeverity.Error, e.ErrorId, e.Message, type, name, file: e.Target as string));
                continue;
            }
            if (flavor is null)
            {
                findings.Add(component.Labels.GetValueOrDefault(Integrations.IntegrationService.Label) is { } integration
                    ? new(FindingSeverity.Error, "IntegrationMissing",
                        $"The {type} '{name}' uses flavor '{component.Flavor}' of integration '{integration}', which is not registered here; register it with Register-StackIntegration -Path <its build output or package>.", type, name, "flavor", component.Path)
                    : new(FindingSeverity.Error, "FlavorNotFound",
                        $"The {type} '{name}' uses flavor '{component.Flavor}', which is unknown; register it with Register-StackFlavor.", type, name, "flavor", component.Path));
                continue;
            }
            foreach (var problem in ConfigurationValidator.Check(flavor, component.Configuration))
                findings.Add(new(problem.IsWarning && !strict ? FindingSeverity.Warning : FindingSeverity.Error, problem.ErrorId, $"The {type} '{name}': {problem.Message}", type, name, problem.Key,
                    component.Path, component.ConfigurationLines.TryGetValue(problem.Key, out var line) ? line : null));
            resolved.Add((component, flavor));
        }

        var components = resolved.Select(r => r.Component).ToList();
        var description = new StackDescription(stack.Name, components.Select(c => new ComponentDescription(c.Type, c.Name, c.Flavor, c.Configuration)).ToList());
        // The rules look flavors up by component; each was found above, so they are not looked up again.
        var flavors = resolved.ToDictionary(r => (r.Component.Type, r.Component.Flavor), r => r.Flavor);
        findings.AddRange(Findings(stack, components, BuiltInValidators.For(stack, (type, flavor) => flavors.GetValueOrDefault((type, flavor)))
            .SelectMany(v => v.Validate(description)).Select(p => ((string?)null, p))));
        if (moreChecks is not null) findings.AddRange(moreChecks(components));
        if (integrationProblems is not null) findings.AddRange(Findings(stack, components, integrationProblems(description).Select(p => ((string?)p.Integration, p.Problem))));
        return new StackValidationResult(stack.Name, findings);
    }

    /// <summary>
    /// Validators' problems as findings, built-in ones and integrations' alike: an integration's problem names the integration,
    /// and a problem about a component of the stack points to that component's document, any other to the stack's.
    /// </summary>
    private static IEnumerable<StackValidationFinding> Findings(Stack stack, IReadOnlyList<StackComponent> components, IEnumerable<(string? Integration, StackProblem Problem)> problems) =>
        problems.Select(p => new StackValidationFinding(FindingSeverity.Error, p.Problem.Code,
            p.Integration is null ? p.Problem.Message : $"{p.Problem.Message} (integration '{p.Integration}')", p.Problem.ComponentType, p.Problem.Component,
            file: components.FirstOrDefault(c => c.Type == p.Problem.ComponentType && string.Equals(c.Name, p.Problem.Component, StringComparison.OrdinalIgnoreCase))?.Path ?? stack.Path));
}
