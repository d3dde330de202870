using StackOps.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace StackOps.Core.Yaml;

/// <summary>
/// The limits every YAML text StackOps reads is held to, so that a hostile file (one arrives with
/// every pull request that touches a repository store) fails in milliseconds with a clear error
/// instead of exhausting the stack, the memory or the clock.
/// </summary>
public static class YamlLimits
{
    /// <summary>The largest document (file, -Yaml text) read: 1 MiB, a hundred times a large stack export.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>How deeply mappings and sequences may nest.</summary>
    public const int MaxDepth = 64;

    /// <summary>How many nodes a text may hold once its aliases are expanded (a "billion laughs" document expands without bound).</summary>
    public const int MaxNodes = 200_000;

    public static string Describe =>
        $"at most {MaxDocumentBytes / 1024 / 1024} MiB, {MaxDepth} levels of nesting and {MaxNodes:N0} values once aliases are expanded; keys are plain text and appear once";
}

/// <summary>
/// Passes a parser's events through unchanged while it enforces <see cref="YamlLimits"/>: nesting
/// depth, nodes after alias expansion, aliases to a node that is still open (a cycle), keys that are
/// not plain text or that repeat. It sits between YamlDotNet's parser and the representation model,
/// which builds nodes recursively: the depth check fails before that recursion can run deep.
/// </summary>
internal sealed class BoundedParser(IParser inner, string source) : IParser
{
    private sealed class Frame(bool isMapping, string? anchor)
    {
        public bool IsMapping { get; } = isMapping;
        public string? Anchor { get; } = anchor;
        public long Nodes { get; set; } = 1;
        public bool ExpectingKey { get; set; } = isMapping;
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    private readonly Stack<Frame> _open = new();
    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    private long _completedNodes;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        var last = inner.Current?.End ?? Mark.Empty;
        bool more;
        // YamlDotNet's parser fails some malformed flow collections ('[oops' at the end of a line) with InvalidOperationException and no position.
        try { more = inner.MoveNext(); }
        catch (InvalidOperationException e) { throw YamlText.Invalid(source, last, "the YAML does not parse after this point (an unclosed '[' or '{'?)", e); }
        if (!more) return false;
        switch (inner.Current)
        {
            case Scalar scalar:
                Enter(scalar, isKeyAllowed: true);
                if (scalar.Anchor.IsEmpty is false) _anchorSizes[scalar.Anchor.Value] = 1;
                Complete(1, scalar);
                break;
            case AnchorAlias alias:
                Enter(alias, isKeyAllowed: false);
                if (_open.Any(f => f.Anchor == alias.Value.Value))
                    throw Exceeded(alias, $"the alias *{alias.Value.Value} refers to a node that contains it, which would never end");
                Complete(_anchorSizes.TryGetValue(alias.Value.Value, out var size) ? size : 1, alias);
                break;
            case SequenceStart start:
                Enter(start, isKeyAllowed: false);
                Open(start, isMapping: false, start.Anchor);
                break;
            case MappingStart start:
                Enter(start, isKeyAllowed: false);
                Open(start, isMapping: true, start.Anchor);
                break;
            case SequenceEnd or MappingEnd:
                var frame = _open.Pop();
                if (frame.Anchor is not null) _anchorSizes[frame.Anchor] = frame.Nodes;
                Complete(frame.Nodes, inner.Current);
                break;
            case DocumentEnd:
                _anchorSizes.Clear();
                break;
        }
        return true;
    }

    /// <summary>Checks a node about to start against the mapping it is in: keys are plain text and unique.</summary>
    private void Enter(ParsingEvent node, bool isKeyAllowed)
    {
        if (!_open.TryPeek(out var parent) || !parent.IsMapping || !parent.ExpectingKey) return;
        if (!isKeyAllowed) throw Exceeded(node, "a key is a list, a mapping or an alias; keys must be plain text");
        var key = ((Scalar)node).Value;
        if (!parent.Keys.Add(key)) throw Exceeded(node, $"the key '{Fail.Printable(key)}' appears twice in the same mapping");
    }

    private void Open(ParsingEvent start, bool isMapping, AnchorName anchor)
    {
        if (_open.Count >= YamlLimits.MaxDepth) throw Exceeded(start, $"it nests more than {YamlLimits.MaxDepth} levels deep");
        _open.Push(new Frame(isMapping, anchor.IsEmpty ? null : anchor.Value));
        CheckTotal(start);
    }

    /// <summary>Counts a finished node (a whole subtree, or what an alias expands to) into its parent.</summary>
    private void Complete(long nodes, ParsingEvent at)
    {
        if (_open.TryPeek(out var parent))
        {
            parent.Nodes += nodes;
            if (parent.IsMapping) parent.ExpectingKey = !parent.ExpectingKey;
        }
        else _completedNodes += nodes;
        CheckTotal(at);
    }

    private void CheckTotal(ParsingEvent at)
    {
        var total = _completedNodes;
        foreach (var frame in _open) total += frame.Nodes;
        if (total > YamlLimits.MaxNodes) throw Exceeded(at, $"it holds more than {YamlLimits.MaxNodes:N0} values once its aliases are expanded");
    }

    private StackOpsException Exceeded(ParsingEvent at, string problem) => YamlText.Invalid(source, at.Start, problem);
}
