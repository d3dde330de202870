using StackOps.Core.Tests;

/// <summary>
/// The test host's entry point, and the worker the concurrency test starts in other processes:
/// `dotnet StackOps.Core.Tests.dll worker STORE ID COUNT` makes COUNT changes to a shared store.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "worker") return ConcurrencyWorker.Run(args[1], args[2], int.Parse(args[3]));
        Console.Error.WriteLine("This assembly holds xunit tests; run them with dotnet test.");
        return 2;
    }
}
