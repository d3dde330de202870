using System.Diagnostics;
using StackOps.Abstractions;

namespace StackOps.Integrations.Shell;

/// <summary>An integration with one orchestrator flavor, 'shell': the pipeline's command as one shell line, with a time limit.</summary>
public sealed class ShellIntegration : StackIntegration
{
    public override string Name => "shell";
    public override string Version => "1.0.0";
    public override IReadOnlyList<string> Requirements => ["a POSIX shell (/bin/sh) or the one named by the 'shell' setting"];

    public override IReadOnlyList<FlavorDefinition> Flavors =>
    [
        new("orchestrator", "shell", "Runs the pipeline's command as one shell line on this machine, stopped after a time limit.",
            """
            shell:
              type: string
              default: /bin/sh
              description: The shell that runs the command line (with -c).
            timeout_seconds:
              type: integer
              default: 3600
              description: Seconds after which the run is stopped and fails.
            """,
            () => new ShellOrchestrator()),
    ];
}

/// <summary>Runs SHELL -c "COMMAND ARGS..." with the stack's configuration in the environment.</summary>
public sealed class ShellOrchestrator : IOrchestrator
{
    public async Task<PipelineRunResult> RunAsync(PipelineRunRequest request, CancellationToken cancellation)
    {
        var shell = request.Settings.GetValueOrDefault("shell", "/bin/sh");
        var limit = TimeSpan.FromSeconds(int.Parse(request.Settings.GetValueOrDefault("timeout_seconds", "3600"), System.Globalization.CultureInfo.InvariantCulture));
        var start = new ProcessStartInfo(shell) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(string.Join(" ", request.Command));
        foreach (var (name, value) in request.Environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) request.Log(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) request.Log(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellation.IsCancellationRequested) throw;
            return new PipelineRunResult(false, $"The run was stopped after {limit.TotalSeconds:0} s (timeout_seconds).");
        }
        process.WaitForExit();
        return new PipelineRunResult(process.ExitCode == 0, $"{shell} -c exited with code {process.ExitCode}.");
    }
}
