using System.Diagnostics;
using System.Text.Json;
using StackOps.Core.Errors;

namespace StackOps.Core.Cloud;

/// <summary>One resource Terraform plans to change, or changed.</summary>
public sealed record TerraformChange(string Address, string ResourceType, string Action)
{
    public override string ToString() => $"{Action} {Address}";
}

/// <summary>Where a running apply or destroy is: the resource, what is done to it, and how many of the plan's are finished.</summary>
public sealed record TerraformProgress(string Address, string Action, string State, int Finished, int Total);

/// <summary>
/// The real terraform CLI on one root module: init, plan, apply, destroy and output, read through
/// its machine-readable -json lines (plans as resource changes, progress per resource, errors as
/// Terraform's own diagnostics). Nothing is asked of a person (-input=false, TF_IN_AUTOMATION).
/// </summary>
public sealed class Terraform
{
    public static readonly Version Minimum = new(1, 5, 0);
    public const string PlanFile = "stackops.tfplan";
    private readonly string _executable;
    private readonly string _module;
    private readonly Action<string> _log;

    private Terraform(string executable, string module, Action<string> log)
    {
        _executable = executable;
        _module = module;
        _log = log;
    }

    /// <summary>The terraform on PATH (or the one given), checked to be at least <see cref="Minimum"/>.</summary>
    public static Terraform For(string module, string? executable, Action<string> log)
    {
        var found = executable ?? Find() ?? throw new StackOpsException("TerraformNotFound", ErrorKind.NotFound,
            $"Terraform {Minimum} or later is needed and was not found on PATH. Install it (https://developer.hashicorp.com/terraform/install, or your package manager's 'terraform'), then run the command again.");
        var terraform = new Terraform(found, module, log);
        var (code, output, error) = terraform.Run(["version", "-json"], null);
        var version = code == 0 ? VersionOf(output) : null;
        if (version is null)
            throw new StackOpsException("TerraformNotFound", ErrorKind.NotFound, $"'{found}' did not answer 'terraform version -json' ({Last(error)}). Install Terraform {Minimum} or later.");
        if (version < Minimum)
            throw new StackOpsException("TerraformTooOld", ErrorKind.InvalidOperation,
                $"Terraform {version} at '{found}' is too old: StackOps needs {Minimum} or later. Upgrade it (https://developer.hashicorp.com/terraform/install) and run the command again.");
        return terraform;
    }

    /// <summary>The version `terraform version -json` reports; null when its output is not that.</summary>
    private static Version? VersionOf(string output)
    {
        try
        {
            return JsonDocument.Parse(output).RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("terraform_version", out var text)
                && Version.TryParse(text.ToString().Split('-')[0], out var parsed) ? parsed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => OperatingSystem.IsWindows() ? new[] { Path.Combine(folder, "terraform.exe") } : [Path.Combine(folder, "terraform")])
            .FirstOrDefault(File.Exists);

    /// <summary>Installs the module's providers (from the CLI configuration's mirrors or the registry); again is harmless.</summary>
    public void Init()
    {
        var (code, output, error) = Run(["init", "-input=false", "-no-color"], null);
        if (code != 0) throw Failed("init", Last(error.Length > 0 ? error : output));
    }

    /// <summary>Plans (to destroy, with destroy), saving the plan for <see cref="Apply"/>; the resources it would change.</summary>
    public IReadOnlyList<TerraformChange> Plan(bool destroy = false)
    {
        var changes = new List<TerraformChange>();
        RunJson(destroy ? ["plan", "-destroy", "-json", "-input=false", $"-out={PlanFile}"] : ["plan", "-json", "-input=false", $"-out={PlanFile}"], "plan", message =>
        {
            if (message.GetProperty("type").GetString() != "planned_change") return;
            var change = message.GetProperty("change");
            var resource = change.GetProperty("resource");
            changes.Add(new TerraformChange(resource.GetProperty("addr").GetString()!, resource.GetProperty("resource_type").GetString()!, change.GetProperty("action").GetString()!));
        });
        return changes;
    }

    /// <summary>Applies the saved plan, reporting each resource as Terraform starts and finishes it.</summary>
    public void Apply(int planned, Action<TerraformProgress> progress)
    {
        var finished = 0;
        RunJson(["apply", "-json", "-input=false", "-auto-approve", PlanFile], "apply", message =>
        {
            var type = message.GetProperty("type").GetString();
            if (type is not ("apply_start" or "apply_complete" or "apply_errored")) return;
            var hook = message.GetProperty("hook");
            if (type != "apply_start") finished++;
            progress(new TerraformProgress(hook.GetProperty("resource").GetProperty("addr").GetString()!, hook.GetProperty("action").GetString()!,
                type["apply_".Length..], finished, Math.Max(planned, finished)));
        });
        File.Delete(Path.Combine(_module, PlanFile));
    }

    /// <summary>The root module's outputs, by name (their values as JSON).</summary>
    public IReadOnlyDictionary<string, JsonElement> Outputs()
    {
        var (code, output, error) = Run(["output", "-json"], null);
        if (code != 0) throw Failed("output", Last(error));
        return JsonDocument.Parse(output).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("value").Clone());
    }

    private void RunJson(IReadOnlyList<string> arguments, string step, Action<JsonElement> read)
    {
        var errors = new List<string>();
        var (code, _, error) = Run(arguments, line =>
        {
            if (!line.StartsWith('{')) return;
            using var document = JsonDocument.Parse(line);
            var message = document.RootElement;
            if (message.TryGetProperty("@message", out var text)) _log(text.GetString()!);
            if (message.GetProperty("type").GetString() == "diagnostic" && message.GetProperty("diagnostic") is var diagnostic
                && diagnostic.GetProperty("severity").GetString() == "error")
                errors.Add(diagnostic.GetProperty("summary").GetString() + (diagnostic.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } d ? ": " + d : ""));
            read(message);
        });
        if (code != 0) throw Failed(step, errors.Count > 0 ? string.Join("; ", errors) : Last(error));
    }

    private StackOpsException Failed(string step, string reason) => new("TerraformFailed", ErrorKind.InvalidOperation,
        $"terraform {step} failed in '{_module}': {reason}. Terraform's state is kept there: fix the cause and run the command again to continue.");

    private static string Last(string text) => text.Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "no output";

    private (int Code, string Output, string Error) Run(IReadOnlyList<string> arguments, Action<string>? onLine)
    {
        var start = new ProcessStartInfo(_executable) { WorkingDirectory = _module, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["TF_IN_AUTOMATION"] = "1";
        start.Environment["TF_INPUT"] = "0";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (onLine is null) output.AppendLine(line);
            else onLine(line);
        }
        process.WaitForExit();
        return (process.ExitCode, output.ToString(), error.Result);
    }
}
