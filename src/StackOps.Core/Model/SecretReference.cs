using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace StackOps.Core.Model;

/// <summary>
/// ZenML's secret reference syntax: the whole value is <c>{{ name.key }}</c>, white space allowed
/// inside the braces but not around the dot; the name ends at the first dot.
/// </summary>
public sealed partial record SecretReference(string SecretName, string Key)
{
    public static bool TryParse(object? value, [NotNullWhen(true)] out SecretReference? reference)
    {
        reference = null;
        if (value is not string text) return false;
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        reference = new SecretReference(match.Groups["name"].Value, match.Groups["key"].Value);
        return true;
    }

    public static bool IsReference(object? value) => TryParse(value, out _);

    /// <summary>
    /// A value that was meant as a reference but is not one: it opens with double braces
    /// (<c>{{ aws.key }</c>, <c>{{ aws }}</c>, <c>{{aws.key}}}</c>, <c>{{ .key }}</c>), or it is in
    /// braces and closes with two (<c>{ aws.key }}</c>). Text that only holds braces (<c>${{ github.sha }}</c>,
    /// <c>{n.k}</c>, a reference inside a longer text) stays plain text.
    /// </summary>
    public static bool IsMalformed(object? value) => value is string text && !IsReference(text) && Intended().IsMatch(text);

    public override string ToString() => $"{{{{ {SecretName}.{Key} }}}}";

    [GeneratedRegex(@"^\{\{\s*(?<name>[^\s.{}]+)\.(?<key>[^\s{}]+)\s*\}\}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^\s*(\{\{.*|\{.*\}\})\s*$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Intended();
}
