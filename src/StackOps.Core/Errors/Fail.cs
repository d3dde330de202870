using System.Globalization;
using StackOps.Core.Model;

namespace StackOps.Core.Errors;

/// <summary>The engine's errors, one factory per error id, so each id and message is written once.</summary>
public static partial class Fail
{
    public static StackOpsException StackNotFound(string name) =>
        new("StackNotFound", ErrorKind.NotFound, $"Stack '{name}' was not found. Run Get-Stack to list the stacks of this store.", name);

    public static StackOpsException ComponentNotFound(string? type, string name) =>
        new("ComponentNotFound", ErrorKind.NotFound, type is null
            ? $"Component '{name}' was not found. Run Get-StackComponent to list the components, or New-StackComponent to create it."
            : $"Component '{name}' of type '{type}' was not found. Run Get-StackComponent -Type {type} to list them, or New-StackComponent to create it.", name);

    public static StackOpsException FlavorNotFound(string type, string flavor) =>
        new("FlavorNotFound", ErrorKind.NotFound, $"Flavor '{flavor}' of component type '{type}' is unknown. Run Get-StackFlavor -Type {type} to list the flavors, or Register-StackFlavor to add a custom one.", flavor);

    public static StackOpsException UnknownComponentType(string type) =>
        new("UnknownComponentType", ErrorKind.InvalidArgument, $"'{type}' is not a component type. Use one of: {string.Join(", ", ComponentTypes.All)}.", type);

    public static StackOpsException AlreadyExists(string what, string name, string hint) =>
        new($"{what}AlreadyExists", ErrorKind.AlreadyExists, $"{Describe(what)} '{name}' already exists. {hint}", name);

    public static StackOpsException AmbiguousName(string what, string prefix, IEnumerable<string> candidates) =>
        new("AmbiguousName", ErrorKind.InvalidArgument, $"'{prefix}' matches several {Describe(what).ToLowerInvariant()}s: {string.Join(", ", candidates)}. Give more of the name.", prefix);

    public static StackOpsException InvalidName(string what, string name, string reason) =>
        new("InvalidName", ErrorKind.InvalidArgument, $"'{Printable(name)}' is not a valid {Describe(what).ToLowerInvariant()} name: {reason}. {NameRules.Description}.", name);

    /// <summary>Two files hold one name in different cases (possible on Linux): which one is meant is unknown, so neither is read.</summary>
    public static StackOpsException NameConflict(string what, IReadOnlyList<string> files) =>
        new("NameConflict", ErrorKind.InvalidData,
            $"{what} is stored twice, in names that differ only in case: {string.Join(", ", files)}. Names are unique regardless of case: merge the files into one, or rename one (its file and metadata.name).", files[0]);

    public static StackOpsException DefaultStackImmutable(Stack stack) =>
        new("DefaultStackImmutable", ErrorKind.InvalidOperation, $"The '{stack.Name}' stack is built in and cannot be changed, renamed or removed. Copy it with Copy-Stack and change the copy.", stack);

    public static StackOpsException DefaultComponentImmutable(StackComponent component) =>
        new("DefaultComponentImmutable", ErrorKind.InvalidOperation, $"The '{component.Name}' {component.Type} belongs to the built-in default stack and cannot be changed, renamed or removed. Copy it with Copy-StackComponent and change the copy.", component);

    public static StackOpsException ActiveStackRemoval(Stack stack) =>
        new("ActiveStackRemoval", ErrorKind.InvalidOperation, $"Stack '{stack.Name}' is the active stack and cannot be removed. Activate another one first with Set-ActiveStack.", stack);

    /// <summary>A component that stacks use; <paramref name="freeing"/> is the commands that would free it.</summary>
    public static StackOpsException ComponentInUse(StackComponent component, IEnumerable<string> stacks, string freeing) =>
        new("ComponentInUse", ErrorKind.InvalidOperation, $"Component '{component.Name}' of type '{component.Type}' is used by stack(s) {string.Join(", ", stacks.Select(s => $"'{s}'"))}. Free it first: {freeing}.", component);

    public static StackOpsException FlavorInUse(Flavors.Flavor flavor, IEnumerable<string> components) =>
        new("FlavorInUse", ErrorKind.InvalidOperation, $"Flavor '{flavor.Name}' of type '{flavor.Type}' is used by component(s) {string.Join(", ", components.Select(c => $"'{c}'"))}. Remove or change them first.", flavor);

    public static StackOpsException BuiltInFlavor(string type, string flavor) =>
        new("BuiltInFlavorImmutable", ErrorKind.InvalidOperation, $"Flavor '{flavor}' of type '{type}' is built in; it cannot be replaced or unregistered. Give your flavor another name.", flavor);

    public static StackOpsException RepositoryNotFound(string from) =>
        new("RepositoryNotFound", ErrorKind.NotFound, $"No StackOps repository (.stackops folder) was found in '{from}' or above it. Run Initialize-StackRepository in the repository's root, or use -Scope User.", from);

    public static StackOpsException StoreLocked(string folder, TimeSpan waited, Exception inner) =>
        new("StoreLocked", ErrorKind.ResourceBusy, $"The store at '{folder}' stayed locked by another process for {waited.TotalSeconds:0} seconds. Retry when the other StackOps command has finished.", folder, inner);

    /// <summary>A change that must see every document of a kind (an in-use check, a rename) met one it cannot read.</summary>
    public static StackOpsException Unreadable(string change, IReadOnlyList<StackOpsException> problems) =>
        new(problems[0].ErrorId, ErrorKind.InvalidData,
            $"Cannot {change}: {string.Join(" ", problems.Select(p => p.Message))} StackOps cannot tell whether it is affected, so nothing was changed.", problems[0].Target);

    private static string Describe(string what) => what switch
    {
        "StackComponent" or "Component" => "Component",
        "Flavor" => "Flavor",
        _ => what,
    };

    public const int PrintableLength = 200;

    /// <summary>
    /// Shows control characters (a newline in a name) and anything beyond ASCII (a right-to-left
    /// override, a zero-width space, a look-alike letter) as escapes, so a message stays on one
    /// line and shows exactly what was given. A value longer than <see cref="PrintableLength"/>
    /// shows its beginning and its length, so a pasted file or a 5,000-character name does not
    /// bury the message that says what to do.
    /// </summary>
    public static string Printable(string value)
    {
        var shown = value.Length > PrintableLength ? value[..PrintableLength] : value;
        var text = string.Concat(shown.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
        return shown.Length < value.Length ? string.Create(CultureInfo.InvariantCulture, $"{text}... ({value.Length:N0} characters)") : text;
    }
}
