using System.Text.RegularExpressions;
using StackOps.Core.Errors;
using StackOps.Core.IO;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.Core.GitHub;

/// <summary>
/// A managed block in the repository's CODEOWNERS that makes changes to what guards production
/// need the platform team's review (with branch protection's "require review from Code Owners"):
/// the connectors, the secret backends, the lifecycle, and the stack and component files of every
/// protected stage (one with an approvals gate, and the last). Lines outside the block are the
/// repository's own and are kept; the block is placed last, where CODEOWNERS rules take precedence.
/// </summary>
public static partial class CodeOwners
{
    public const string Begin = "# BEGIN StackOps (Sync-StackEnvironment -CodeOwner writes this block; edits inside it are replaced)";
    public const string End = "# END StackOps";

    /// <summary>GitHub reads the first of these that exists; a new file goes to .github/.</summary>
    private static readonly string[] Locations = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

    public static string FileOf(string repositoryRoot) =>
        Locations.Select(l => Path.Combine(repositoryRoot, l)).FirstOrDefault(File.Exists) ?? Path.Combine(repositoryRoot, Locations[0]);

    /// <summary>The drift of the block (missing or different), or null when it is current.</summary>
    public static EnvironmentDrift? Drift(StackOpsEngine engine, IReadOnlyList<string> owners)
    {
        var (file, text, block) = Compose(engine, owners);
        var current = Current(text);
        return current == block ? null
            : new EnvironmentDrift("", Path.GetFileName(file), "CodeOwnersOutdated", $"the StackOps block of {file}", $"{block.Count(c => c == '\n') - 1} rules for {string.Join(" ", owners)}",
                current is null ? "missing" : "different");
    }

    /// <summary>Writes the block (replacing the previous one, keeping every other line); returns the file.</summary>
    public static string Apply(StackOpsEngine engine, IReadOnlyList<string> owners)
    {
        var (file, text, block) = Compose(engine, owners);
        var others = ManagedBlock().Replace(text, "").TrimEnd();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        SafeFiles.WriteAtomically(file, (others.Length == 0 ? "" : others + "\n\n") + block);
        return file;
    }

    private static (string File, string Text, string Block) Compose(StackOpsEngine engine, IReadOnlyList<string> owners)
    {
        if (engine.Location.RepositoryRoot is not { } root || engine.Store is not DirectoryStore store)
            throw new StackOpsException("CodeOwnersNeedRepositoryStore", ErrorKind.InvalidOperation,
                "CODEOWNERS guards the files of a repository store: run this inside the repository (its .stackops folder), or leave out -CodeOwner.", engine.Location.Root);
        foreach (var owner in owners)
            if (!Owner().IsMatch(owner))
                throw new StackOpsException("InvalidCodeOwner", ErrorKind.InvalidArgument,
                    $"'{Fail.Printable(owner)}' is not a code owner: give @USER, @ORG/TEAM or an email address.", owner);
        var file = FileOf(root);
        var text = File.Exists(file) ? File.ReadAllText(file) : "";
        string Rule(string path, bool folder = false) =>
            $"/{Path.GetRelativePath(root, path).Replace('\\', '/')}{(folder ? "/" : "")} {string.Join(" ", owners)}";
        var rules = new List<string>
        {
            Rule(Path.GetDirectoryName(store.PathOf(new DocumentKey(DocumentCodec.ConnectorKind, "x")))!, folder: true),
            Rule(Path.GetDirectoryName(store.PathOf(new DocumentKey(DocumentCodec.SecretBackendKind, "x")))!, folder: true),
            Rule(store.PathOf(new DocumentKey(DocumentCodec.LifecycleKind, "lifecycle"))),
        };
        var lifecycle = engine.Pipelines.Lifecycle();
        foreach (var stage in lifecycle.Stages.Where((s, i) => s.Gates.Approvals is not null || i == lifecycle.Stages.Count - 1))
        {
            var stack = engine.Stacks.Get(stage.Stack);
            rules.Add(Rule(store.PathOf(new DocumentKey(DocumentCodec.StackKind, stack.Name))));
            foreach (var (type, name) in stack.Components.OrderBy(c => c.Key, StringComparer.Ordinal))
                if (!engine.Components.Get(type, name).IsDefault)
                    rules.Add(Rule(store.PathOf(new DocumentKey(DocumentCodec.ComponentKind, name, type))));
        }
        return (file, text, string.Join("\n", [Begin, .. rules.Distinct(), End]) + "\n");
    }

    private static string? Current(string text) => ManagedBlock().Match(text) is { Success: true } match ? match.Value.TrimStart('\n') : null;

    [GeneratedRegex(@"\n?^# BEGIN StackOps.*?^# END StackOps[^\n]*\n?", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ManagedBlock();

    [GeneratedRegex(@"^(@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$")]
    private static partial Regex Owner();
}
