namespace StackOps.Tests.Shared;

/// <summary>
/// A step's output read the way the GitHub Actions runner reads it (actions/runner: OutputManager,
/// ActionCommandManager, ActionCommand): lines split as StreamReader.ReadLine splits them; a line is tried
/// as a command only when it holds "::" or "##["; "::name k=v,…::data" after leading white space, else
/// "##[name k=v;…]data" anywhere in the line, for a known command name; ::stop-commands::TOKEN makes every
/// line text until a command named TOKEN (in any case) resumes processing.
/// </summary>
public sealed class RunnerLog
{
    /// <summary>The commands the runner knows (its command extensions, and stop-commands).</summary>
    private static readonly string[] KnownCommands =
        ["add-mask", "add-matcher", "add-path", "debug", "echo", "endgroup", "error", "group", "notice", "remove-matcher", "save-state", "set-env", "set-output", "stop-commands", "warning"];

    private RunnerLog(IReadOnlyList<RunnerCommand> commands, IReadOnlyList<string> text, bool stopped) =>
        (Commands, Text, Stopped) = (commands, text, stopped);

    /// <summary>Every line the runner processed as a command, in order (stop-commands and the resuming token among them).</summary>
    public IReadOnlyList<RunnerCommand> Commands { get; }

    /// <summary>Every line the runner shows as text.</summary>
    public IReadOnlyList<string> Text { get; }

    /// <summary>Whether command processing is still stopped after the last line.</summary>
    public bool Stopped { get; }

    /// <summary>The annotations the commands make: error, warning and notice.</summary>
    public IReadOnlyList<RunnerCommand> Annotations => Commands.Where(c => c.Name.ToLowerInvariant() is "error" or "warning" or "notice").ToList();

    /// <summary>Reads what was printed, each item one WriteLine.</summary>
    public static RunnerLog Read(IEnumerable<string> printed)
    {
        var commands = new List<RunnerCommand>();
        var text = new List<string>();
        string? stopToken = null;
        using var reader = new StringReader(string.Join("\n", printed));
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            var known = stopToken is null ? KnownCommands : [.. KnownCommands, stopToken];
            var command = line.Contains("##[", StringComparison.Ordinal) || line.Contains("::", StringComparison.Ordinal) ? ParseV2(line, known) ?? ParseV1(line, known) : null;
            if (command is null || (stopToken is not null && !string.Equals(command.Name, stopToken, StringComparison.OrdinalIgnoreCase)))
            {
                text.Add(line);
                continue;
            }
            commands.Add(command);
            if (stopToken is not null) stopToken = null;
            else if (string.Equals(command.Name, "stop-commands", StringComparison.OrdinalIgnoreCase)) stopToken = command.Data;
        }
        return new RunnerLog(commands, text, stopToken is not null);
    }

    private static RunnerCommand? ParseV2(string line, string[] known)
    {
        var message = line.TrimStart();
        if (!message.StartsWith("::", StringComparison.Ordinal)) return null;
        var end = message.IndexOf("::", 2, StringComparison.Ordinal);
        if (end < 0) return null;
        var info = message[2..end];
        var space = info.IndexOf(' ');
        var name = space < 0 ? info : info[..space];
        if (!known.Contains(name, StringComparer.OrdinalIgnoreCase)) return null;
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (space > 0)
            foreach (var pair in info[(space + 1)..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0].Length > 0))
                properties[pair[0]] = Unescape(pair[1], ("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"));
        return new RunnerCommand(name, properties, Unescape(message[(end + 2)..], ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")), line);
    }

    private static RunnerCommand? ParseV1(string line, string[] known)
    {
        var prefix = line.IndexOf("##[", StringComparison.Ordinal);
        if (prefix < 0) return null;
        var end = line.IndexOf(']', prefix);
        if (end < 0) return null;
        var info = line[(prefix + 3)..end];
        var space = info.IndexOf(' ');
        var name = space < 0 ? info : info[..space];
        return known.Contains(name, StringComparer.OrdinalIgnoreCase)
            ? new RunnerCommand(name, new Dictionary<string, string>(), Unescape(line[(end + 1)..], ("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%")), line)
            : null;
    }

    private static string Unescape(string text, params (string Escaped, string Plain)[] mappings) =>
        mappings.Aggregate(text, (current, mapping) => current.Replace(mapping.Escaped, mapping.Plain, StringComparison.Ordinal));
}

/// <summary>One line the runner processed as a command.</summary>
public sealed record RunnerCommand(string Name, IReadOnlyDictionary<string, string> Properties, string Data, string Line);
