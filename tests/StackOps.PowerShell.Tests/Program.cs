using StackOps.PowerShell.Tests;

/// <summary>
/// The test host's entry point, and a worker that tests start in another process for input that
/// could crash or hang one: `script FILE` runs the script in a fresh session with the module (its
/// own store) and prints one line per error, "error FullyQualifiedErrorId ExceptionType", then "done".
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is not ["script", var file])
        {
            Console.Error.WriteLine("This assembly holds xunit tests; run them with dotnet test.");
            return 2;
        }
        using var session = new PowerShellSession();
        var result = session.Run(File.ReadAllText(file));
        foreach (var error in result.Errors)
            Console.WriteLine($"error {error.FullyQualifiedErrorId} {error.Exception.GetType().FullName} {error.Exception.Message.Split('\n')[0]}");
        foreach (var output in result.Output) Console.WriteLine($"output {output}");
        Console.WriteLine("done");
        return 0;
    }
}
