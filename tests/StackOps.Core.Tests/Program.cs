using StackOps.Core.Tests;

/// <summary>
/// The test host's entry point, and the workers that tests start in other processes (see ChildProcess):
/// `worker STORE ID COUNT` makes COUNT changes to a shared store; `read STORE` reads everything a
/// hostile store holds; `fuzz SEED COUNT STORE` reads mutated documents; `rename-loop STORE` renames
/// until it is killed.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => args switch
    {
        ["worker", var root, var id, var count] => ConcurrencyWorker.Run(root, id, int.Parse(count)),
        ["read", var root] => StoreReader.Run(root),
        ["fuzz", var seed, var count, var root] => YamlFuzz.Run(int.Parse(seed), int.Parse(count), root),
        ["rename-loop", var root] => RenameLoop.Run(root),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("This assembly holds xunit tests; run them with dotnet test.");
        return 2;
    }
}
