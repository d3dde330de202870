using StackOps.Tests.Shared;
using StackOps.Core.Errors;
using StackOps.Core.IO;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Yaml;
using Xunit.Abstractions;

namespace StackOps.Core.Tests;

/// <summary>
/// A repository store arrives in pull requests: every file of it is hostile input. Inputs that
/// could crash or hang a process are read by a worker process with a time limit.
/// </summary>
public sealed class HostileStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    private static string Component(string name, string configuration) => $"""
        apiVersion: stackops.io/v1
        kind: StackComponent
        metadata: {"{"} name: {name}, type: orchestrator {"}"}
        spec:
          flavor: local
          configuration:
            {configuration}

        """;

    private static string StackDocument(string name, string extra = "") => $"""
        apiVersion: stackops.io/v1
        kind: Stack
        metadata:
          name: {name}
          {extra}
        spec:
          components: {"{"} orchestrator: default, artifact_store: default {"}"}

        """;

    private static string BillionLaughs() =>
        "lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n    " +
        string.Join("\n    ", Enumerable.Range(1, 9).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]"));

    private const string Line = @", line \d+, column \d+: ";

    public static TheoryData<string, string, string, string, string> CrashingInputs => new()
    {
        { "a recursive alias in a component", "components/orchestrator/loop.yaml", Component("loop", "x: &r [ *r ]"), "components: ok 2 [InvalidYaml]", Line },
        { "a recursive mapping alias in a flavor", "flavors/orchestrator/f.yaml", Component("f", "x: &r { y: *r }").Replace("StackComponent", "Flavor"), "[InvalidYaml]", Line },
        { "a recursive alias in the active stack state", "state/active-stacks.yaml", "x: &r [ *r ]\n", "stacks: ok 1 [InvalidYaml]", Line },
        { "a recursive alias in a promotion record", "promotions/p.yaml", "apiVersion: stackops.io/v1\nkind: Promotion\nmetadata: &r { name: [*r] }\n", "promotions: ok 0 [InvalidYaml]", Line },
        { "a billion laughs", "components/orchestrator/laughs.yaml", Component("laughs", BillionLaughs()), "components: ok 2 [InvalidYaml]", Line },
        { "200,000 nested lists", "stacks/deep.yaml", new string('[', 200_000), "stacks: ok 1 [InvalidYaml]", Line },
        { "a key that is a list", "components/orchestrator/key.yaml", Component("key", "? [a, b]\n    : c"), "components: ok 2 [InvalidYaml]", Line },
        { "a file of 2 MiB", "stacks/large.yaml", StackDocument("large", "description: " + new string('x', 2 * 1024 * 1024)), "stacks: ok 1 [InvalidYaml]", "is larger than 1 MiB" },
        { "a recursive alias to import", "import.yaml", "stack_name: &r [ *r ]\n", "import: error InvalidYaml", Line },
    };

    [Theory]
    [MemberData(nameof(CrashingInputs))]
    public void InputsThatUsedToEndTheProcessAreReportedWithTheirFileAndLine(string what, string relative, string text, string expected, string explanation)
    {
        var file = _store.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        var before = _store.Snapshot();

        var result = ChildProcess.Run(Limit, "read", _store.Root).Succeeded();

        output.WriteLine($"{what}:\n{result.Output}");
        Assert.Contains(result.Lines, line => line.Contains(expected));
        var message = result.Lines.First(line => line.StartsWith(file, StringComparison.Ordinal));
        Assert.Matches(explanation, message);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void LimitsNameTheirLimitAndAllowWhatIsWithinThem()
    {
        var nested = string.Concat(Enumerable.Repeat("- ", 1)) + new string('[', YamlLimits.MaxDepth - 1) + new string(']', YamlLimits.MaxDepth - 1);
        Assert.Single(YamlText.Parse(nested, "within"));
        var deeper = new string('[', YamlLimits.MaxDepth + 1) + new string(']', YamlLimits.MaxDepth + 1);
        var error = Assert.Throws<StackOpsException>(() => YamlText.Parse("a: 1\nb: " + deeper, "too-deep.yaml"));
        Assert.Equal("InvalidYaml", error.ErrorId);
        Assert.Contains("too-deep.yaml, line 2", error.Message);
        Assert.Contains($"{YamlLimits.MaxDepth} levels", error.Message);

        Assert.Contains("appears twice", Assert.Throws<StackOpsException>(() => YamlText.Parse("a: 1\nb: 2\na: 3\n", "twice.yaml")).Message);
        Assert.Single(YamlText.Parse("a: &x { b: 1 }\nc: *x\nd: *x\n", "aliases.yaml"));
        Assert.Contains("200,000 values", Assert.Throws<StackOpsException>(() => YamlText.Parse($"a: [{string.Join(",", Enumerable.Repeat("1", YamlLimits.MaxNodes))}]", "many.yaml")).Message);
    }

    [Fact]
    public void OneStackThatDoesNotParseHidesNoOther()
    {
        _store.Engine.Stacks.Create("good", Local());
        File.WriteAllText(_store.File("stacks/bad.yaml"), StackDocument("bad", "description: [oops"));
        _store.Engine.Stacks.Create("zeta", Local());

        var listing = _store.Engine.Stacks.List();

        Assert.Equal(["default", "good", "zeta"], listing.Items.Select(s => s.Name));
        var problem = Assert.Single(listing.Problems);
        output.WriteLine(problem.Message);
        Assert.Equal("InvalidYaml", problem.ErrorId);
        Assert.Contains(_store.File("stacks/bad.yaml") + ", line ", problem.Message);
    }

    [Fact]
    public void AHiddenFileIsReportedAndStopsTheChangesThatMustSeeEveryStack()
    {
        _store.Engine.Components.Create("orchestrator", "k8s", "local", new Dictionary<string, object?>());
        Directory.CreateDirectory(_store.File("stacks"));
        File.WriteAllText(_store.File("stacks/.shadow.yaml"), StackDocument(".shadow").Replace("orchestrator: default", "orchestrator: k8s"));

        Assert.Equal("InvalidDocument", Assert.Single(_store.Engine.Stacks.List().Problems).ErrorId);
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Components.Remove("orchestrator", "k8s"));
        Assert.Equal("InvalidDocument", error.ErrorId);
        Assert.Contains("nothing was changed", error.Message);
        Assert.True(File.Exists(_store.File("components/orchestrator/k8s.yaml")));
    }

    [Fact]
    public void TwoFilesForOneNameInTwoCasesAreReportedNotHalfRead()
    {
        if (!OperatingSystem.IsLinux()) return;
        _store.Engine.Stacks.Create("staging", Local());
        File.WriteAllText(_store.File("stacks/Staging.yaml"), StackDocument("Staging"));

        var listing = _store.Engine.Stacks.List();

        Assert.Equal(["default"], listing.Items.Select(s => s.Name));
        Assert.Equal("NameConflict", Assert.Single(listing.Problems).ErrorId);
        Assert.Equal("NameConflict", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Get("STAGING")).ErrorId);
        Assert.Equal("NameConflict", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create("STAGING", Local())).ErrorId);
        _store.Engine.Components.Create("orchestrator", "k8s", "local", new Dictionary<string, object?>());
        Assert.Equal("NameConflict", Assert.Throws<StackOpsException>(() => _store.Engine.Components.Remove("orchestrator", "k8s")).ErrorId);
    }

    [Fact]
    public void AStoreFolderLinkedOutsideTheStoreIsNeitherWrittenNorRead()
    {
        var outside = Directory.CreateTempSubdirectory("stackops-outside-").FullName;
        try
        {
            Directory.CreateSymbolicLink(_store.File("stacks"), outside);

            Assert.Equal("StoreLinkRefused", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create("escape", Local())).ErrorId);
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
            File.WriteAllText(Path.Combine(outside, "planted.yaml"), StackDocument("planted"));
            Assert.Equal("StoreLinkRefused", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.List()).ErrorId);
        }
        finally { Directory.Delete(outside, recursive: true); }
    }

    [Fact]
    public void ADocumentLinkedToAFileOutsideTheStoreIsRefusedWithoutReadingIt()
    {
        var outside = Path.Combine(Directory.CreateTempSubdirectory("stackops-outside-").FullName, "credentials");
        File.WriteAllText(outside, "kind: hunter2-secret\n");
        _store.Engine.Stacks.Create("good", Local());
        File.CreateSymbolicLink(_store.File("stacks/evil.yaml"), outside);
        File.CreateSymbolicLink(_store.File("stacks/zero.yaml"), "/dev/zero");

        var listing = _store.Engine.Stacks.List();

        Assert.Equal(["default", "good"], listing.Items.Select(s => s.Name));
        Assert.Equal(["StoreLinkRefused", "StoreLinkRefused"], listing.Problems.Select(p => p.ErrorId));
        Assert.All(listing.Problems, p => Assert.DoesNotContain("hunter2", p.Message));
        Directory.Delete(Path.GetDirectoryName(outside)!, recursive: true);
    }

    [Fact]
    public void LinksThatStayInsideTheStoreAreFollowed()
    {
        Directory.CreateDirectory(_store.File("shared-stacks"));
        Directory.CreateSymbolicLink(_store.File("stacks"), "shared-stacks");

        _store.Engine.Stacks.Create("inside", Local());

        Assert.True(File.Exists(_store.File("shared-stacks/inside.yaml")));
        Assert.Empty(_store.Engine.Stacks.List().Problems);
    }

    [Fact]
    public void ARepositoryStoreThatIsALinkOutOfTheRepositoryIsRefused()
    {
        var repository = Directory.CreateDirectory(_store.File("repository")).FullName;
        var elsewhere = Directory.CreateDirectory(_store.File("elsewhere")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(repository, StoreLocator.RepositoryFolder), elsewhere);
        var engine = new StackOpsEngine(new StoreLocation(StoreScope.Repository, Path.Combine(repository, StoreLocator.RepositoryFolder), repository, _store.Root));

        Assert.Equal("StoreLinkRefused", Assert.Throws<StackOpsException>(() => engine.Stacks.Create("x", Local())).ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public void AHomeThatIsAFileOrALockThatIsAFolderIsAClearError()
    {
        var file = _store.File("home-file");
        File.WriteAllText(file, "");
        Assert.Equal("StoreUnusable", Assert.Throws<StackOpsException>(() => TestStore.Open(file)).ErrorId);

        Directory.CreateDirectory(_store.File(SafeFiles.LockFileName));
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create("x", Local()));
        Assert.Equal("StoreUnusable", error.ErrorId);
        Assert.Contains("Remove that folder", error.Message);
    }

    [Fact]
    public void FoldersLocksAndTemporaryFilesAreTheOwnersAlone()
    {
        if (OperatingSystem.IsWindows()) return;
        var home = _store.File("new-home");
        var engine = TestStore.Open(home);
        engine.Stacks.Create("s", Local());
        engine.Secrets.Create("aws", new Dictionary<string, string> { ["key"] = "value-1" });

        const UnixFileMode folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var created in new[] { home, Path.Combine(home, "stacks"), Path.Combine(home, "secrets"), Path.Combine(home, SafeFiles.TemporaryFolderName) })
            Assert.Equal(folder, File.GetUnixFileMode(created));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(home, SafeFiles.LockFileName)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(home, "secrets", "aws.secret")));
    }

    [Fact]
    public void PipesAndDevicesAreNeitherReadNorReplaced()
    {
        if (OperatingSystem.IsWindows()) return;
        var pipe = _store.File("pipe.yaml");
        System.Diagnostics.Process.Start("mkfifo", pipe).WaitForExit();
        var read = Task.Run(() => Assert.Throws<StackOpsException>(() => SafeFiles.ReadText(pipe, YamlLimits.MaxDocumentBytes, "InvalidYaml")));
        if (!read.Wait(TimeSpan.FromSeconds(10)))
        {
            using (new FileStream(pipe, FileMode.Open, FileAccess.Write)) { }
            Assert.Fail("reading a pipe waited for a writer");
        }
        Assert.Contains("not a regular file", read.Result.Message);
        Assert.Contains("not a regular file", Assert.Throws<StackOpsException>(() => SafeFiles.ReadText("/dev/zero", 1024, "InvalidYaml")).Message);

        Assert.Equal("FileNotWritable", Assert.Throws<StackOpsException>(() => SafeFiles.WriteAtomically(pipe, "x")).ErrorId);
        Assert.Equal("FileNotWritable", Assert.Throws<StackOpsException>(() => SafeFiles.WriteAtomically("/dev/null", "x")).ErrorId);
        Assert.Equal("FileNotWritable", Assert.Throws<StackOpsException>(() => SafeFiles.WriteAtomically(_store.Root, "x")).ErrorId);
        Assert.True(File.Exists("/dev/null") && new FileInfo("/dev/null").Length == 0);
    }

    [Fact]
    public void TemporaryFilesOfAKilledWriterAreRemovedByTheNextChange()
    {
        var temporary = Directory.CreateDirectory(_store.File(SafeFiles.TemporaryFolderName)).FullName;
        File.WriteAllText(Path.Combine(temporary, ".0123.tmp"), "half a document");

        _store.Engine.Stacks.Create("s", Local());

        Assert.Empty(Directory.EnumerateFiles(temporary));
    }

    [Fact]
    public void AJournalLeftByAKilledChangeIsFinishedByTheNextOpen()
    {
        _store.Engine.Components.Create("artifact_store", "old", "local", new Dictionary<string, object?>());
        _store.Engine.Stacks.Create("a", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "old" });
        _store.Engine.Stacks.Create("b", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "old" });
        var renamed = File.ReadAllText(_store.File("components/artifact_store/old.yaml")).Replace("name: old", "name: new");
        string StackUsingNew(string name) => File.ReadAllText(_store.File($"stacks/{name}.yaml")).Replace("artifact_store: old", "artifact_store: new");
        var journal = System.Text.Json.JsonSerializer.Serialize(new
        {
            apiVersion = "stackops.io/journal/v1",
            entries = new object[]
            {
                new { kind = "StackComponent", type = "artifact_store", name = "new", text = renamed },
                new { kind = "Stack", type = (string?)null, name = "a", text = StackUsingNew("a") },
                new { kind = "Stack", type = (string?)null, name = "b", text = StackUsingNew("b") },
                new { kind = "StackComponent", type = "artifact_store", name = "old", text = (string?)null },
            },
        });
        // Killed after the journal and the first two writes.
        File.WriteAllText(_store.File(".journal"), journal);
        File.WriteAllText(_store.File("components/artifact_store/new.yaml"), renamed);
        File.WriteAllText(_store.File("stacks/a.yaml"), StackUsingNew("a"));

        var engine = TestStore.Open(_store.Root);

        Assert.False(File.Exists(_store.File(".journal")));
        Assert.Equal(["default", "new"], engine.Components.List("artifact_store").Items.Select(c => c.Name));
        Assert.All(engine.Stacks.List().Items.Where(s => !s.IsDefault), s => Assert.Equal("new", s["artifact_store"]));
    }

    [Fact]
    public void AJournalThatIsNotOneOrThatNamesAPathOutsideTheStoreIsRefused()
    {
        File.WriteAllText(_store.File(".journal"), "{ not json");
        Assert.Equal("StoreJournalInvalid", Assert.Throws<StackOpsException>(() => TestStore.Open(_store.Root)).ErrorId);

        File.WriteAllText(_store.File(".journal"), """{"apiVersion":"stackops.io/journal/v1","entries":[{"kind":"Stack","name":"../../escaped","text":"x"}]}""");
        Assert.Equal("InvalidName", Assert.Throws<StackOpsException>(() => TestStore.Open(_store.Root)).ErrorId);
        Assert.False(File.Exists(Path.Combine(_store.Root, "..", "escaped.yaml")));
    }

    [Fact]
    public void ARenameKilledAtAnyMomentLeavesAllOfItOrNone()
    {
        _store.Engine.Components.Create("artifact_store", "shared", "local", new Dictionary<string, object?>());
        for (var i = 0; i < 60; i++)
            _store.Engine.Stacks.Create($"stack-{i:00}", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "shared" });
        var random = new Random(20261203);
        var interruptedMidCommit = 0;
        for (var trial = 0; trial < 12; trial++)
        {
            using var worker = ChildProcess.Start("rename-loop", _store.Root);
            Assert.Equal("renamed", worker.StandardOutput.ReadLine());
            Thread.Sleep(random.Next(0, 400));
            worker.Kill(entireProcessTree: true);
            worker.WaitForExit();
            if (File.Exists(_store.File(".journal"))) interruptedMidCommit++;

            var engine = TestStore.Open(_store.Root);
            var component = Assert.Single(engine.Components.List("artifact_store").Items, c => !c.IsDefault);
            var stacks = engine.Stacks.List();
            Assert.Empty(stacks.Problems);
            Assert.All(stacks.Items.Where(s => !s.IsDefault), s => Assert.Equal(component.Name, s["artifact_store"]));
            Assert.False(File.Exists(_store.File(".journal")));
        }
        output.WriteLine($"{interruptedMidCommit} of 12 kills landed between a journal and its last write.");
    }

    [Fact]
    public void TenThousandMutatedDocumentsNeverCrashHangOrFailOtherwiseThanWithAStackOpsError()
    {
        var result = ChildProcess.Run(TimeSpan.FromMinutes(10), "fuzz", "20261203", "10000", _store.Root).Succeeded();

        output.WriteLine(result.Output);
        Assert.Contains("failures 0", result.Lines);
        var longest = int.Parse(result.Lines.Single(l => l.StartsWith("max-ms ")).Split(' ')[1]);
        Assert.True(longest < 1000, $"one input took {longest} ms to read");
    }

    [Fact]
    public void AFlavorsLocalPatternCannotBeMadeToTakeForever()
    {
        var catastrophic = new Flavors.LocalCondition("host", "^(a+)+$");
        Assert.False(catastrophic.Matches(new string('a', 100_000) + "b"));
        File.WriteAllText(_store.File("flavor.yaml"), """
            apiVersion: stackops.io/v1
            kind: Flavor
            metadata: { name: backref, type: orchestrator }
            spec:
              localWhen: { field: host, pattern: '^(a)\1$' }

            """);
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Flavors.Register(File.ReadAllText(_store.File("flavor.yaml")), "flavor.yaml", force: false));
        Assert.Equal("InvalidDocument", error.ErrorId);
        Assert.Contains("no backreferences", error.Message);
    }

    private static Dictionary<string, string> Local() => new() { ["orchestrator"] = "default", ["artifact_store"] = "default" };
}
