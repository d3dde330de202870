using System.Diagnostics;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Secrets;
using StackOps.Core.Yaml;

namespace StackOps.Core.Tests;

/// <summary>
/// `read STORE`: every read a user's commands make (listings, the active stack, stack tests, the
/// lifecycle, the promotion history, and the import of STORE/import.yaml when there is one), one line each: "name: ok N [ErrorId, ...]" with the problems
/// a listing reported, or "name: error ErrorId". Anything but a StackOps error escapes and ends the
/// process, which the test sees as a failure, as it sees a crash or a hang.
/// </summary>
public static class StoreReader
{
    public static int Run(string root)
    {
        StackOpsEngine engine;
        try { engine = TestStore.Open(root); }
        catch (StackOpsException e)
        {
            Console.WriteLine($"open: error {e.ErrorId}");
            return 0;
        }
        var stacks = Report("stacks", () => engine.Stacks.List());
        Report("components", () => engine.Components.List());
        Report("flavors", () => engine.Flavors.List());
        Report("connectors", () => engine.Connectors.List());
        Report("backends", () => engine.Secrets.Backends());
        Report("pipelines", () => engine.Pipelines.List());
        Report("promotions", () => engine.Promotions.History());
        Once("active", () => engine.Stacks.GetActive());
        Once("lifecycle", () => engine.Pipelines.Lifecycle());
        foreach (var stack in stacks) Once($"test {stack.Name}", () => engine.Stacks.Test(stack.Name, SecretValidation.None));
        var import = Path.Combine(root, "import.yaml");
        if (File.Exists(import)) Once("import", () => engine.Interchange.Import(File.ReadAllText(import), import));
        return 0;
    }

    private static IReadOnlyList<T> Report<T>(string name, Func<Listing<T>> list)
    {
        try
        {
            var listing = list();
            Console.WriteLine($"{name}: ok {listing.Items.Count} [{string.Join(", ", listing.Problems.Select(p => p.ErrorId))}]");
            foreach (var problem in listing.Problems) Console.WriteLine($"  {problem.Message}");
            return listing.Items;
        }
        catch (StackOpsException e)
        {
            Console.WriteLine($"{name}: error {e.ErrorId}");
            Console.WriteLine($"  {e.Message}");
            return [];
        }
    }

    private static void Once(string name, Action read)
    {
        try
        {
            read();
            Console.WriteLine($"{name}: ok");
        }
        catch (StackOpsException e)
        {
            Console.WriteLine($"{name}: error {e.ErrorId}");
            Console.WriteLine($"  {e.Message}");
        }
    }
}

/// <summary>
/// `fuzz SEED COUNT STORE`: COUNT seeded mutations of valid documents of every kind, each written
/// into the store where its kind lives and read back through it (and through import's parser).
/// Prints "failure ..." for anything but a StackOps error, then "max-ms N" and "failures N".
/// </summary>
public static class YamlFuzz
{
    private static readonly (string Path, string Text)[] Corpus =
    [
        ("stacks/s.yaml", """
            apiVersion: stackops.io/v1
            kind: Stack
            metadata: { name: s, description: the stack, labels: { team: ml } }
            spec:
              components: { orchestrator: o, artifact_store: a }
            """),
        ("components/orchestrator/o.yaml", """
            apiVersion: stackops.io/v1
            kind: StackComponent
            metadata:
              name: o
              type: orchestrator
            spec:
              flavor: kubernetes
              configuration:
                kubernetes_context: staging
                kubernetes_namespace: ml
                synchronous: true
              connector: { name: k, resourceId: cluster }
            """),
        ("components/artifact_store/a.yaml", """
            apiVersion: stackops.io/v1
            kind: StackComponent
            metadata: { name: a, type: artifact_store }
            spec:
              flavor: s3
              configuration:
                path: s3://bucket/artifacts
                key: '{{ aws.access_key_id }}'
                secret: '{{ aws.secret_access_key }}'
                client_kwargs: { region_name: eu-west-1, list: [1, 2.5, "x", ~, [a, {b: c}]] }
            """),
        ("flavors/orchestrator/f.yaml", """
            apiVersion: stackops.io/v1
            kind: Flavor
            metadata: { name: f, type: orchestrator }
            spec:
              description: custom
              local: false
              localWhen: { field: host, pattern: '^(localhost|127\.0\.0\.1)(:[0-9]+)?$' }
              requirements: { components: [container_registry], rejectLocalComponents: true }
              connector: { resourceType: kubernetes-cluster, connectorType: kubernetes, resourceIdField: cluster }
              configuration:
                host: { type: string, required: true, description: the host }
                replicas: { type: integer, default: 2 }
                mode: { type: string, values: [a, b] }
                token: { type: string, secret: true }
            """),
        ("connectors/k.yaml", """
            apiVersion: stackops.io/v1
            kind: ServiceConnector
            metadata: { name: k, labels: { env: dev } }
            spec:
              type: kubernetes
              authMethod: token
              resourceType: kubernetes-cluster
              resourceId: cluster
              expiresAt: 2030-01-01T00:00:00Z
              configuration: { server: 'https://127.0.0.1:6443', token: '{{ connector-k.token }}' }
            """),
        ("pipelines/p.yaml", """
            apiVersion: stackops.io/v1
            kind: Pipeline
            metadata: { name: p }
            spec:
              requires: { orchestrator: [kubernetes], container_registry: ~ }
              imageRepository: ml/p
              run: { epochs: 3 }
            """),
        ("lifecycle.yaml", """
            apiVersion: stackops.io/v1
            kind: Lifecycle
            metadata: { name: lifecycle }
            spec:
              stages:
                - { name: dev, stack: s }
                - name: production
                  stack: s
                  environment: production
                  gates:
                    requireVerifiedConnectors: true
                    approvals: { count: 1, from: [a@example.com] }
                    soakTime: 2h
                    allowedRefs: [refs/tags/v*]
                    freezeWindows:
                      - { name: weekend, days: [Saturday, Sunday], from: '00:00', to: '23:59', timeZone: UTC }
                      - { start: 2030-12-24T00:00:00Z, end: 2030-12-27T00:00:00Z }
            """),
        ("promotions/20300101T000000000Z-p-1.0.0-production-abcdef.yaml", """
            apiVersion: stackops.io/v1
            kind: Promotion
            metadata: { name: 20300101T000000000Z-p-1.0.0-production-abcdef }
            spec:
              pipeline: p
              version: 1.0.0
              from: dev
              to: production
              state: Succeeded
              requestedBy: a@example.com
              requestedAt: 2030-01-01T00:00:00Z
              decisions: [{ by: b@example.com, decision: approved, at: 2030-01-01T00:01:00Z }]
              steps: [{ name: version, outcome: passed, message: ok, at: 2030-01-01T00:02:00Z }]
              completedAt: 2030-01-01T00:03:00Z
              imageDigest: sha256:0000000000000000000000000000000000000000000000000000000000000000
            """),
        ("import.yaml", """
            stack_name: zen
            zenml_version: 0.84.0
            components:
              orchestrator: { name: o, flavor: kubernetes, configuration: { kubernetes_context: x } }
              artifact_store: { name: a, flavor: s3, path: s3://b }
            """),
    ];

    private static readonly string[] Fragments =
    [
        "&a ", "*a", "[", "]", "{", "}", ": ", ", ", "- ", "? ", "!!str ", "!!binary ", "!!map ", "<<: *a\n", "\n  - ", "\t", "\"", "'", "#",
        "|\n  x\n", ">-\n  y\n", "%YAML 1.2\n---\n", "---\n", "...\n", "\u0000", "\uFEFF", "\u202E", "😀", "{{ a.b }}", "~", "null", ".nan", "0x1F",
        "1e999", "-", "key: &x [*x]\n", "x: &r { y: *r }\n", new string('[', 300), new string('a', 5000),
        "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
    ];

    private const string Significant = "[]{}:,-?&*!|>'\"#%@`\t\n ";

    public static int Run(int seed, int count, string root)
    {
        var random = new Random(seed);
        var longest = TimeSpan.Zero;
        var failures = 0;
        var errorIds = new Dictionary<string, int>();
        var engine = TestStore.Open(root);
        for (var i = 0; i < count; i++)
        {
            var (path, text) = Corpus[random.Next(Corpus.Length)];
            var mutated = Mutate(random, text.ReplaceLineEndings("\n") + "\n");
            var file = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, mutated, new System.Text.UTF8Encoding(false));
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var id in ReadThroughStore(engine, file, mutated)) errorIds[id] = errorIds.GetValueOrDefault(id) + 1;
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"failure {i} ({path}): {e.GetType().FullName}: {e.Message.Split('\n')[0]}");
                Console.WriteLine($"  input: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(mutated))}");
            }
            if (clock.Elapsed > longest) longest = clock.Elapsed;
            File.Delete(file);
        }
        Console.WriteLine($"errors {string.Join(", ", errorIds.OrderByDescending(p => p.Value).Select(p => $"{p.Key}={p.Value}"))}");
        Console.WriteLine($"max-ms {(int)longest.TotalMilliseconds}");
        Console.WriteLine($"failures {failures}");
        return 0;
    }

    /// <summary>The error ids the reads reported; anything but a StackOps error escapes.</summary>
    private static IEnumerable<string> ReadThroughStore(StackOpsEngine engine, string file, string text)
    {
        var ids = new List<string>();
        void Listed<T>(Listing<T> listing) => ids.AddRange(listing.Problems.Select(p => p.ErrorId));
        void Try(Action read)
        {
            try { read(); }
            catch (StackOpsException e) { ids.Add(e.ErrorId); }
        }
        Try(() => Listed(engine.Stacks.List()));
        Try(() => Listed(engine.Components.List()));
        Try(() => Listed(engine.Flavors.List()));
        Try(() => Listed(engine.Connectors.List()));
        Try(() => Listed(engine.Pipelines.List()));
        Try(() => Listed(engine.Promotions.History()));
        Try(() => engine.Pipelines.Lifecycle());
        Try(() => engine.Stacks.Test("s", SecretValidation.None));
        Try(() => DocumentCodec.ReadAll(text, file));
        Try(() => engine.Interchange.Import(text, file, stackName: "imported"));
        return ids;
    }

    private static string Mutate(Random random, string text)
    {
        for (var round = random.Next(1, 5); round > 0; round--)
        {
            var at = random.Next(text.Length + 1);
            text = random.Next(10) switch
            {
                7 or 8 or 9 => ReplaceValue(random, text),
                0 => text.Remove(Math.Min(at, text.Length - 1), 1).Insert(Math.Min(at, text.Length - 1), Significant[random.Next(Significant.Length)].ToString()),
                1 or 2 => text.Insert(at, Fragments[random.Next(Fragments.Length)]),
                3 => text.Remove(at, Math.Min(random.Next(1, 40), text.Length - at)),
                4 => DuplicateLine(random, text),
                5 => text[..at],
                _ => SwapLines(random, text),
            };
            if (text.Length == 0) text = "x";
        }
        return text;
    }

    private static readonly string[] Shapes = ["[a, b]", "{ x: y }", "~", "123", "-1", "1.5", "true", "''", "[[1]]", "[{ a: b }]", "{ a: [b] }", "!!binary aGk=", "1e400", "0x10", "'{{ x.y }}'", "9223372036854775808"];

    /// <summary>A value of another shape where a document has one: a list for a name, a map for a date, null for a required key.</summary>
    private static string ReplaceValue(Random random, string text)
    {
        var lines = text.Split('\n');
        var candidates = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(": ")).ToList();
        if (candidates.Count == 0) return text;
        var line = candidates[random.Next(candidates.Count)];
        var separators = Enumerable.Range(0, lines[line].Length - 1).Where(i => lines[line][i] == ':' && lines[line][i + 1] == ' ').ToList();
        var at = separators[random.Next(separators.Count)];
        var end = lines[line].IndexOfAny([',', '}', ']'], at);
        var shape = Shapes[random.Next(Shapes.Length)];
        lines[line] = end < 0 ? lines[line][..(at + 2)] + shape : lines[line][..(at + 2)] + shape + lines[line][end..];
        return string.Join('\n', lines);
    }

    private static string DuplicateLine(Random random, string text)
    {
        var lines = text.Split('\n').ToList();
        var line = random.Next(lines.Count);
        lines.Insert(line, lines[line]);
        return string.Join('\n', lines);
    }

    private static string SwapLines(Random random, string text)
    {
        var lines = text.Split('\n');
        var (a, b) = (random.Next(lines.Length), random.Next(lines.Length));
        (lines[a], lines[b]) = (lines[b], lines[a]);
        return string.Join('\n', lines);
    }
}

/// <summary>
/// `rename-loop STORE`: renames the component shared/shared-renamed (which every stack uses) back
/// and forth until it is killed, printing "renamed" after each commit.
/// </summary>
public static class RenameLoop
{
    public static int Run(string root)
    {
        var engine = TestStore.Open(root);
        while (true)
        {
            var current = engine.Components.List(ComponentTypes.ArtifactStore).Items.Single(c => !c.IsDefault).Name;
            engine.Components.Rename(ComponentTypes.ArtifactStore, current, current == "shared" ? "shared-renamed" : "shared");
            Console.WriteLine("renamed");
        }
    }
}
