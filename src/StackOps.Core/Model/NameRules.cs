using StackOps.Core.Errors;

namespace StackOps.Core.Model;

/// <summary>The rule every stored name follows: names become file names, so they must be safe ones.</summary>
public static class NameRules
{
    public const int MaxLength = 255;
    private static readonly char[] Forbidden = ['/', '\\', '<', '>', ':', '"', '|', '?', '*'];

    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "it is empty";
        if (name.Length > MaxLength) return $"it is {name.Length} characters long";
        if (name.Any(char.IsControl)) return "it contains a control character (a newline, a tab, ...)";
        var bad = name.IndexOfAny(Forbidden);
        if (bad >= 0) return $"it contains '{name[bad]}'";
        if (name.Contains("..")) return "it contains '..'";
        if (name.Trim() != name) return "it starts or ends with white space";
        if (name == ".") return "it is '.'";
        if (SecretReference.IsReference(name) || SecretReference.IsMalformed(name)) return "it is a secret reference, and names are stored and shown in clear";
        return null;
    }

    public static string Validate(string what, string? name)
    {
        var problem = Problem(name);
        if (problem is not null) throw Fail.InvalidName(what, name ?? "", problem);
        return name!;
    }
}
