using System.Security.Cryptography;
using StackOps.Core.Secrets;

namespace StackOps.Core.GitHub;

/// <summary>
/// The action's job log, as the runner reads it. The action's own workflow commands are printed as
/// commands; any other text (store values, registry and GitHub answers, the run step's output) is
/// printed so that no line of it can be one: the runner tries a line as a command only when it holds
/// "::" or "##[", so such text goes between ::stop-commands::TOKEN and ::TOKEN::, with a random token
/// per block that the text does not hold (the runner resumes on a command named TOKEN, in any case). A
/// block stays open for the text that follows and closes before the next command. Every text is masked,
/// after an ::add-mask:: for each value registered since the last line, so no value reaches the log first;
/// so is every command but those masks.
/// </summary>
public sealed class ActionLog(Action<string> print)
{
    private readonly object _gate = new();
    private readonly Queue<string> _masks = new();
    private string? _stopToken;

    /// <summary>A secret value to announce with ::add-mask:: before the next line (the masker raises each one; any thread).</summary>
    public void Announce(string value)
    {
        lock (_gate) _masks.Enqueue(value);
    }

    public void Command(WorkflowCommand command)
    {
        lock (_gate)
        {
            Resume();
            Masks();
            print(SecretMasker.Shared.Apply(command.Line));
        }
    }

    /// <summary>Text that did not come from StackOps, masked and inert.</summary>
    public void Text(string text)
    {
        lock (_gate)
        {
            if (_masks.Count > 0)
            {
                Resume();
                Masks();
            }
            var masked = SecretMasker.Shared.Apply(text);
            if (_stopToken is not null && masked.Contains(_stopToken, StringComparison.OrdinalIgnoreCase)) Resume();
            if (_stopToken is null && (masked.Contains("::", StringComparison.Ordinal) || masked.Contains("##[", StringComparison.Ordinal)))
            {
                string token;
                do token = "stackops-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
                while (masked.Contains(token, StringComparison.OrdinalIgnoreCase));
                print(WorkflowCommands.StopCommands(token).Line);
                _stopToken = token;
            }
            print(masked);
        }
    }

    /// <summary>Ends an open block and announces the masks still pending: what follows is read as usual.</summary>
    public void Close()
    {
        lock (_gate)
        {
            Resume();
            Masks();
        }
    }

    private void Resume()
    {
        if (_stopToken is null) return;
        print(WorkflowCommands.ResumeCommands(_stopToken).Line);
        _stopToken = null;
    }

    private void Masks()
    {
        while (_masks.TryDequeue(out var mask)) print(WorkflowCommands.AddMask(mask).Line);
    }
}
