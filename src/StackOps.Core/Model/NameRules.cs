using StackOps.Core.Errors;

namespace StackOps.Core.Model;

/// <summary>
/// The one rule every stored name follows, whatever its kind: a letter or digit first, then
/// letters, digits, '-', '_' and '.'; ASCII only, so that no two names look alike (a Cyrillic 'а',
/// a zero-width space, a right-to-left mark); at most <see cref="MaxLength"/> characters, so a
/// document's path fits every file system; not a name Windows keeps for a device, and not ending
/// with '.', so a store checked out on Windows holds the same files. Names are unique regardless
/// of case: 'Staging' is 'staging'.
/// </summary>
public static class NameRules
{
    public const int MaxLength = 128;

    public const string Description = "A name starts with a letter or digit, followed by letters, digits, '-', '_' or '.' (ASCII only), at most 128 characters, unique regardless of case";

    private static readonly HashSet<string> WindowsDevices = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "it is empty";
        if (name.Length > MaxLength) return $"it is longer than {MaxLength} characters";
        if (!char.IsAsciiLetterOrDigit(name[0])) return $"it starts with {Describe(name[0])}";
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')) return $"it contains {Describe(c)}";
        if (name.EndsWith('.')) return "it ends with '.'";
        if (WindowsDevices.Contains(name.Split('.')[0])) return $"Windows keeps '{name.Split('.')[0]}' for a device";
        return null;
    }

    public static string Validate(string what, string? name)
    {
        var problem = Problem(name);
        if (problem is not null) throw Fail.InvalidName(what, name ?? "", problem);
        return name!;
    }

    private static string Describe(char c) => c switch
    {
        _ when char.IsControl(c) || char.IsWhiteSpace(c) || c > '\u007e' => $"the character U+{(int)c:X4}",
        _ => $"'{c}'",
    };
}
