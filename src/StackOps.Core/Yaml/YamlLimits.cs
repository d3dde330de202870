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
    /// <summary>An open mapping or sequence: where the count stood when it began, and (for a mapping) the keys seen so far.</summary>
    private sealed class Frame(bool isMapping, string? anchor, long startTotal)
    {
        public bool IsMapping { get; } = isMapping;
        public string? Anchor { get; } = anchor;
        public long StartTotal { get; } = startTotal;
        public bool ExpectingKey { get; set; } = isMapping;
        private List<string>? _few;
        private HashSet<string>? _many;

        /// <summary>Adds a key; false when the mapping already has it (a short list while the mapping is small, a set once it is not).</summary>
        public bool AddKey(string key)
        {
            if (_many is not null) return _many.Add(key);
            _few ??= [];
            if (_few.Contains(key)) return false;
            _few.Add(key);
            if (_few.Count > 16) _many = new HashSet<string>(_few, StringComparer.Ordinal);
            return true;
        }
    }

    private readonly Stack<Frame> _open = new();
    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    /// <summary>The values read so far, aliases counted as what they expand to.</summary>
    private long _total;

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
                if (!scalar.Anchor.IsEmpty) _anchorSizes[scalar.Anchor.Value] = 1;
                Count(1, scalar);
                Completed();
                break;
            case AnchorAlias alias:
                Enter(alias, isKeyAllowed: false);
                foreach (var frame in _open)
                    if (frame.Anchor == alias.Value.Value)
                        throw Exceeded(alias, $"the alias *{alias.Value.Value} refers to a node that contains it, which would never end");
                Count(_anchorSizes.TryGetValue(alias.Value.Value, out var size) ? size : 1, alias);
                Completed();
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
                var closed = _open.Pop();
                if (closed.Anchor is not null) _anchorSizes[closed.Anchor] = _total - closed.StartTotal;
                Completed();
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
        if (!parent.AddKey(key)) throw Exceeded(node, $"the key '{Fail.Printable(key)}' appears twice in the same mapping");
    }

    private void Open(ParsingEvent start, bool isMapping, AnchorName anchor)
    {
        if (_open.Count >= YamlLimits.MaxDepth) throw Exceeded(start, $"it nests more than {YamlLimits.MaxDepth} levels deep");
        _open.Push(new Frame(isMapping, anchor.IsEmpty ? null : anchor.Value, _total));
        Count(1, start);
    }

    private void Count(long nodes, ParsingEvent at)
    {
        _total += nodes;
        if (_total > YamlLimits.MaxNodes) throw Exceeded(at, $"it holds more than {YamlLimits.MaxNodes:N0} values once its aliases are expanded");
    }

    /// <summary>A node ended: in a mapping, a key is followed by its value and a value by the next key.</summary>
    private void Completed()
    {
        if (_open.TryPeek(out var parent) && parent.IsMapping) parent.ExpectingKey = !parent.ExpectingKey;
    }

    private StackOpsException Exceeded(ParsingEvent at, string problem) => YamlText.Invalid(source, at.Start, problem);
}
