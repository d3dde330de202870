using System.Text.Json;
using System.Text.RegularExpressions;
using StackOps.Tests.Shared;
using Xunit.Abstractions;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// README.md and about_StackOps run as written, in the pwsh that the tool manifest pins, with the
/// module this assembly built (DocumentationExamples.ps1 runs them). README's ```powershell blocks
/// run in order as one console session in a temporary home; its local registry (localhost:5000) is
/// a real one holding the images that its ```sh blocks push. Each example of module/**/about_StackOps
/// (a block indented by 8 spaces that starts with a command, a variable or a comment) runs in a
/// home of its own. ```powershell template blocks (clouds, GitHub) and ```powershell server blocks (run
/// by the server's own tests) are parsed, and each of their commands must exist and bind its arguments.
/// </summary>
public sealed partial class DocumentationExamplesTests(ITestOutputHelper output) : IDisposable
{
    private const string ReadmeModule = "./out/StackOps/StackOps.psd1";
    private const string ReadmeRegistry = "localhost:5000";
    private const int Columns = 80;

    private readonly DockerRegistry _registry = new(anonymous: true);
    private readonly string _root = Directory.CreateTempSubdirectory("stackops-docs-").FullName;

    public void Dispose()
    {
        _registry.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private sealed record Block(string Source, int Line, bool Run, string Text);

    private sealed record Session(string Home, IReadOnlyList<string> Answers, string? Module, IReadOnlyList<Block> Blocks);

    private sealed record Failure(string Id, string Message);

    private sealed record Outcome(string Source, string Text, string[] Output, string[] Host, string[] Warnings, Failure[] Errors, string[] Problems);

    [Fact]
    public void EveryExampleOfReadmeAndAboutStackOpsRunsAsWritten()
    {
        var readme = File.ReadAllText(Path.Combine(PowerShellSession.RepositoryRoot, "README.md"));
        Assert.Contains(ReadmeModule, readme);
        Assert.Contains(ReadmeRegistry, readme);
        var fences = Fences(readme).ToList();
        var pushes = fences.Where(f => f.Info == "sh").SelectMany(f => DockerPush().Matches(f.Text)).ToList();
        Assert.NotEmpty(pushes);
        foreach (var push in pushes)
            _registry.Push(push.Groups["repository"].Value, push.Groups["tag"].Value, $"a layer of {push.Value}");

        var readmeBlocks = fences.Where(f => f.Info.Split(' ')[0] == "powershell").Select(f => new Block("README.md", f.Line, f.Info switch
        {
            "powershell" => true,
            "powershell template" or "powershell server" => false,
            _ => throw new InvalidOperationException($"README.md:{f.Line}: '{f.Info}' is not a kind of block this test knows (powershell, powershell template, powershell server)."),
        }, f.Text.Replace(ReadmeModule, $"'{PowerShellSession.ModuleManifest}'").Replace(ReadmeRegistry, _registry.Host))).ToList();
        Assert.True(readmeBlocks.Count(b => b.Run) >= 2, "README's blocks to run were not found");
        Assert.True(readmeBlocks.Count(b => !b.Run) >= 2, "README's blocks to check were not found");

        var topics = Directory.EnumerateFiles(Path.Combine(PowerShellSession.RepositoryRoot, "module"), "about_StackOps.help.txt", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(topics);
        var examples = topics.SelectMany(topic => AboutExamples(Path.GetRelativePath(PowerShellSession.RepositoryRoot, topic), File.ReadAllLines(topic))).ToList();
        Assert.All(topics, topic => Assert.True(examples.Count(e => topic.EndsWith(e.Source, StringComparison.Ordinal)) >= 3, $"{topic}: its examples were not found"));

        var sessions = new List<Session> { new(Path.Combine(_root, "readme"), Answers(), null, readmeBlocks) };
        sessions.AddRange(examples.Select((example, i) => new Session(Path.Combine(_root, $"about-{i}"), Answers(), PowerShellSession.ModuleManifest, [example])));
        var outcomes = Run(sessions);

        foreach (var block in sessions.SelectMany(s => s.Blocks))
            Assert.True(outcomes.Any(o => Holds(block, o)), $"{block.Source}:{block.Line}: nothing of this block was run or checked");
        var secrets = sessions.SelectMany(s => s.Answers).ToList();
        var problems = outcomes.SelectMany(o => Problems(o, secrets)).ToList();
        foreach (var outcome in outcomes)
            output.WriteLine($"{outcome.Source}> {outcome.Text}\n{string.Join("\n", outcome.Output.Concat(outcome.Host).Concat(outcome.Warnings.Select(w => $"WARNING: {w}")))}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheQuickstartRunsTwiceInATemporaryStoreOfItsOwn()
    {
        // Inside a repository: the quickstart must not write to its store.
        var project = Directory.CreateDirectory(Path.Combine(_root, "project")).FullName;
        var repositoryStore = Directory.CreateDirectory(Path.Combine(project, ".stackops")).FullName;
        var script = Path.Combine(PowerShellSession.RepositoryRoot, "examples", "quickstart.ps1");
        var run = PinnedPwsh.Run(TimeSpan.FromMinutes(5), "-Command",
            $"Set-Location '{project}'; foreach ($run in 1, 2) {{ & '{script}' -ModulePath '{PowerShellSession.ModuleManifest}' }}");

        var stores = run.Lines.Where(l => l.StartsWith("Store: ", StringComparison.Ordinal)).Select(l => l["Store: ".Length..]).ToList();
        try
        {
            Assert.True(run.ExitCode == 0, $"The quickstart failed (exit code {run.ExitCode}):\n{run.Output}\n{run.Errors}");
            Assert.Equal(2, run.Lines.Count(l => l.StartsWith("Done.", StringComparison.Ordinal)));
            Assert.Equal(2, stores.Distinct().Count());
            Assert.All(stores, store => Assert.StartsWith(Path.GetTempPath(), store));
            Assert.All(stores, store => Assert.True(File.Exists(Path.Combine(store, "stacks", "staging.yaml")), store));
            Assert.Empty(Directory.EnumerateFileSystemEntries(repositoryStore));
        }
        finally
        {
            foreach (var store in stores.Where(Directory.Exists)) Directory.Delete(store, recursive: true);
        }
    }

    private static string[] Answers() => [.. Enumerable.Range(1, 4).Select(i => $"docs-typed-{i}-{Guid.NewGuid():N}"[..24])];

    private static bool Holds(Block block, Outcome outcome)
    {
        var separator = outcome.Source.LastIndexOf(':');
        var line = int.Parse(outcome.Source[(separator + 1)..]);
        return outcome.Source[..separator] == block.Source && line >= block.Line && line < block.Line + block.Text.Count(c => c == '\n') + 1;
    }

    private static IEnumerable<string> Problems(Outcome outcome, IReadOnlyList<string> secrets)
    {
        var at = $"{outcome.Source} ({outcome.Text.Split('\n')[0]})";
        foreach (var error in outcome.Errors) yield return $"{at}: {error.Id}: {error.Message}";
        foreach (var problem in outcome.Problems) yield return $"{at}: {problem}";
        foreach (var line in outcome.Output.Where(l => l.Length > Columns)) yield return $"{at}: a line of {line.Length} columns: {line}";
        foreach (var secret in secrets.Where(s => outcome.Output.Concat(outcome.Host).Concat(outcome.Warnings).Concat(outcome.Errors.Select(e => e.Message)).Any(t => t.Contains(s, StringComparison.Ordinal))))
            yield return $"{at}: shows a value typed at a prompt";
    }

    private IReadOnlyList<Outcome> Run(IReadOnlyList<Session> sessions)
    {
        var input = Path.Combine(_root, "sessions.json");
        var result = Path.Combine(_root, "outcomes.json");
        File.WriteAllText(input, JsonSerializer.Serialize(sessions));
        var run = PinnedPwsh.Run(TimeSpan.FromMinutes(10), "-File",
            Path.Combine(PowerShellSession.RepositoryRoot, "tests", "StackOps.PowerShell.Tests", "DocumentationExamples.ps1"),
            "-Sessions", input, "-Module", PowerShellSession.ModuleManifest, "-Result", result);
        Assert.True(run.ExitCode == 0, $"DocumentationExamples.ps1 failed (exit code {run.ExitCode}):\n{run.Output}\n{run.Errors}");
        return JsonSerializer.Deserialize<Outcome[]>(File.ReadAllText(result))!;
    }

    /// <summary>The fenced blocks of a Markdown text: info string, the line of the first line of the block, and the text.</summary>
    private static IEnumerable<(string Info, int Line, string Text)> Fences(string markdown) =>
        Fence().Matches(markdown).Select(m => (m.Groups["info"].Value.Trim(), markdown[..m.Groups["text"].Index].Count(c => c == '\n') + 1, m.Groups["text"].Value));

    /// <summary>
    /// The examples of an about topic: blocks of lines indented by 8 spaces (or more, for continued
    /// lines) whose first line is a command, a variable or a comment; the others are documents and trees.
    /// </summary>
    private static IEnumerable<Block> AboutExamples(string source, string[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith(new string(' ', 8), StringComparison.Ordinal) || (i > 0 && lines[i - 1].StartsWith(new string(' ', 8), StringComparison.Ordinal))) continue;
            var block = lines.Skip(i).TakeWhile(l => l.StartsWith(new string(' ', 8), StringComparison.Ordinal)).Select(l => l[8..]).ToList();
            if (ExampleStart().IsMatch(block[0])) yield return new Block(source, i + 1, true, string.Join("\n", block));
        }
    }

    [GeneratedRegex(@"^```(?<info>[^\n`]*)\n(?<text>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"docker push localhost:5000/(?<repository>[^\s:]+):(?<tag>[^\s;&|]+)")]
    private static partial Regex DockerPush();

    [GeneratedRegex(@"^(#|\$|[A-Z][a-z]+-[A-Z][A-Za-z]+\b)")]
    private static partial Regex ExampleStart();
}
