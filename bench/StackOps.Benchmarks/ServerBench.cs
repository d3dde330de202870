using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackOps.Core;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store;
using StackOps.Core.Store.Remote;
using StackOps.Tests.Shared;

/// <summary>
/// The team server at scale (issue 11): two server processes on one PostgreSQL, 8 concurrent
/// clients making 500 mixed changes each (read-modify-write of one shared component, which
/// conflicts, and stacks of their own), then every change checked to be there (no lost update,
/// every conflict reported as ConcurrentChange and retried), with throughput and p95 latency; and
/// a listing of 10,000 stacks through the server.
/// </summary>
internal static class ServerBench
{
    private const string AdminKey = "sok_bench-admin-key-000000000000000000000";
    private const int Clients = 8, ChangesPerClient = 500;

    public static void Run()
    {
        Console.WriteLine($"Team server: 2 instances on one PostgreSQL, {Clients} clients × {ChangesPerClient} mixed changes");
        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            Console.WriteLine("  skipped: install Debian's postgresql package (sudo apt-get install postgresql)");
            return;
        }
        using var postgres = new PostgresServer();
        var database = postgres.NewDatabase();
        var home = Directory.CreateTempSubdirectory("stackops-server-bench-").FullName;
        var servers = new[] { Start(database), Start(database) };
        try
        {
            var addresses = servers.Select(s => s.Address).ToArray();
            var admin = new ServerAdministration(new ServerClient(addresses[0], AdminKey));
            var keys = Enumerable.Range(0, Clients).Select(i =>
            {
                admin.CreatePrincipal($"client-{i}", "service-account", "benchmark");
                admin.Grant($"client-{i}", BuiltInRoles.Editor, null, null);
                return admin.CreateKey($"client-{i}", "benchmark", null).Secret;
            }).ToArray();
            var setup = Engine(addresses[0], AdminKey, home);
            setup.Components.Create("orchestrator", "shared", "local", new Dictionary<string, object?>());
            for (var i = 0; i < Clients; i++) setup.Components.Create("orchestrator", $"own-{i}", "local", new Dictionary<string, object?>());

            var latencies = new List<double>[Clients];
            var conflicts = new int[Clients];
            var expectedLabels = new List<string>[Clients];
            var expectedStacks = new HashSet<string>[Clients];
            var clock = Stopwatch.StartNew();
            Parallel.For(0, Clients, new ParallelOptions { MaxDegreeOfParallelism = Clients }, i =>
            {
                var engine = Engine(addresses[i % 2], keys[i], Path.Combine(home, $"client-{i}"));
                var random = new Random(i);
                (latencies[i], expectedLabels[i], expectedStacks[i]) = ([], [], []);
                for (var change = 0; change < ChangesPerClient; change++)
                {
                    // 10% the one component everybody changes (read, modify, write: the conflicts), 20% a component of one's own,
                    // 30% a new stack, 30% a change of one of one's stacks, 10% a removal.
                    var kind = random.Next(10);
                    var own = expectedStacks[i].FirstOrDefault();
                    while (true)
                    {
                        var attempt = Stopwatch.StartNew();
                        try
                        {
                            if (kind < 3)
                            {
                                var label = $"c{i}-{change}";
                                engine.Components.Update("orchestrator", kind == 0 ? "shared" : $"own-{i}", null, labels: new Dictionary<string, string?> { [label] = "1" });
                                expectedLabels[i].Add((kind == 0 ? "shared/" : $"own-{i}/") + label);
                            }
                            else if (kind < 6 || own is null)
                            {
                                var name = $"c{i}-stack-{change}";
                                engine.Stacks.Create(name, new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
                                expectedStacks[i].Add(name);
                            }
                            else if (kind < 9) engine.Stacks.Update(own, null, labels: new Dictionary<string, string?> { ["change"] = change.ToString() });
                            else
                            {
                                engine.Stacks.Remove(own, includeComponents: false);
                                expectedStacks[i].Remove(own);
                            }
                            latencies[i].Add(attempt.Elapsed.TotalMilliseconds);
                            break;
                        }
                        catch (StackOpsException e) when (e.ErrorId == "ConcurrentChange")
                        {
                            latencies[i].Add(attempt.Elapsed.TotalMilliseconds);
                            conflicts[i]++;
                        }
                    }
                }
            });
            var elapsed = clock.Elapsed;

            var check = Engine(addresses[1], AdminKey, home);
            var labels = check.Components.List("orchestrator").Items.SelectMany(c => c.Labels.Keys.Select(l => $"{c.Name}/{l}")).ToHashSet();
            var lostLabels = expectedLabels.SelectMany(l => l).Count(l => !labels.Contains(l));
            var stacks = check.Stacks.List().Items.Where(s => !s.IsDefault).Select(s => s.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var expected = expectedStacks.SelectMany(s => s).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var lostStacks = expected.Count(s => !stacks.Contains(s)) + stacks.Count(s => !expected.Contains(s));
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var made = Clients * ChangesPerClient;
            Console.WriteLine($"  {made:N0} changes in {elapsed.TotalSeconds:0.0} s: {made / elapsed.TotalSeconds:0} changes/s; each attempt (reads and commit, as a cmdlet makes them) " +
                              $"median {Bench.P(all, 50):0.0} ms, p95 {Bench.P(all, 95):0.0} ms");
            Console.WriteLine($"  conflicts reported (ConcurrentChange, then retried): {conflicts.Sum():N0}; lost updates: {lostLabels + lostStacks}");
            Console.WriteLine($"  {(lostLabels + lostStacks == 0 ? "PASS" : "FAIL")}  no lost update");

            ListTenThousand(addresses[0], home);
        }
        finally
        {
            foreach (var server in servers) server.Process.Kill(entireProcessTree: true);
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>10,000 stacks written in commits of 1,000, then listed through the server by the engine (as Get-Stack does).</summary>
    private static void ListTenThousand(Uri address, string home)
    {
        var store = new RemoteStore(new ServerClient(address, AdminKey));
        for (var batch = 0; batch < 10; batch++)
        {
            using var transaction = store.Begin();
            for (var i = 0; i < 1000; i++)
            {
                var name = $"listed-{batch * 1000 + i:00000}";
                transaction.Put(new DocumentKey("Stack", name),
                    $"apiVersion: stackops.io/v1\nkind: Stack\nmetadata:\n  name: {name}\nspec:\n  components:\n    orchestrator: default\n    artifact_store: default\n");
            }
            transaction.Commit();
        }
        var engine = Engine(address, AdminKey, home);
        var count = engine.Stacks.List().Items.Count;
        var samples = Bench.Samples(9, () => engine.Stacks.List());
        // The first stack the server sent (the built-in default one comes before it, from nowhere).
        var firsts = Bench.Samples(9, () => engine.Stacks.Each().First(entry => entry.Stack is { IsDefault: false }));
        Console.WriteLine($"  listing {count:N0} stacks through the server: median {Bench.P(samples, 50):0} ms, p95 {Bench.P(samples, 95):0} ms; first stack {Bench.P(firsts, 50):0.0} ms");
        Bench.Target("listing 10,000 stacks through the server (median)", Bench.P(samples, 50), 250);
        Bench.Target("its first stack", Bench.P(firsts, 50), 20);
    }

    private static StackOpsEngine Engine(Uri address, string key, string home) =>
        new(new StoreLocation(StoreScope.Server, address.AbsoluteUri, null, home), new RemoteStore(new ServerClient(address, key, TimeSpan.FromMinutes(2))));

    private sealed record Instance(Process Process, Uri Address);

    /// <summary>A server process of its own, on a free loopback port, waiting until it answers.</summary>
    private static Instance Start(string database)
    {
        var port = FreePort();
        var server = Bench.Built("Server");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { server, "--urls", $"http://127.0.0.1:{port}", "--Database", database, "--AdminApiKey", AdminKey })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 150; attempt++)
        {
            try
            {
                if (http.GetAsync(new Uri(address, ServerRoutes.Ready)).Result.IsSuccessStatusCode) return new Instance(process, address);
            }
            catch (AggregateException) { }
            Thread.Sleep(200);
        }
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"The server on port {port} did not become ready in 30 seconds.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
