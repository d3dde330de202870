namespace StackOps.Core.Secrets;

/// <summary>
/// The one place that hides secret values in what StackOps writes. Every value read from a
/// backend or given as a secret is registered here, and every message (verbose, debug, warning,
/// error, progress, the action's log) passes through <see cref="Apply"/>. A multi-line value is
/// also registered line by line, so a PEM block is hidden even when a message quotes one line of
/// it. Process-wide, like a CI runner's masking: a value seen by one command stays masked for the
/// commands that follow.
/// </summary>
public sealed class SecretMasker
{
    public const string Mask = "***";

    /// <summary>
    /// Shorter fragments are not masked: hiding every "a" or "1" would make messages unreadable. So StackOps
    /// takes no secret value that short (SecretService.Admit); only a line that short within a multi-line value
    /// is left unmasked on its own.
    /// </summary>
    public const int MinimumLength = 3;

    public static SecretMasker Shared { get; } = new();

    private readonly object _gate = new();
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    /// <summary>Longest first, so a value that contains another is masked whole.</summary>
    private string[] _ordered = [];

    /// <summary>Raised with each newly registered fragment (the action prints ::add-mask:: for it).</summary>
    public event Action<string>? Registered;

    public void Register(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var fragments = new List<string>();
        lock (_gate)
        {
            foreach (var fragment in Fragments(value))
                if (_values.Add(fragment)) fragments.Add(fragment);
            if (fragments.Count == 0) return;
            _ordered = _values.OrderByDescending(v => v.Length).ThenBy(v => v, StringComparer.Ordinal).ToArray();
        }
        foreach (var fragment in fragments) Registered?.Invoke(fragment);
    }

    public string Apply(string? message)
    {
        if (string.IsNullOrEmpty(message)) return message ?? "";
        var ordered = _ordered;
        foreach (var value in ordered)
            if (message.Contains(value, StringComparison.Ordinal)) message = message.Replace(value, Mask, StringComparison.Ordinal);
        return message;
    }

    /// <summary>Whether a text holds any registered value (tests and the action's self-checks).</summary>
    public bool Reveals(string? text) => !string.IsNullOrEmpty(text) && _ordered.Any(v => text.Contains(v, StringComparison.Ordinal));

    private static IEnumerable<string> Fragments(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.Length >= MinimumLength) yield return trimmed;
        if (!value.Contains('\n') && !value.Contains('\r')) yield break;
        foreach (var line in value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (line.Length >= MinimumLength) yield return line;
    }
}
