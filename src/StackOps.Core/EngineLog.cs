using StackOps.Core.Secrets;

namespace StackOps.Core;

/// <summary>Where the engine's messages go: the PowerShell adapter routes them to its streams, the action to the job log.</summary>
public interface IEngineLog
{
    void Warning(string message);
    void Verbose(string message);
    void Debug(string message);
    /// <summary>Whether debug messages are shown at all: when not, the engine skips masking them (a resolve makes one per reference).</summary>
    bool WantsDebug => true;
    /// <summary>Progress of a long step (an image copy); percent -1 when unknown, 100 when done.</summary>
    void Progress(string activity, string status, int percent);
}

/// <summary>The engine's side of the log: every message passes through the secret masker before it leaves.</summary>
internal sealed class MaskedLog(Func<IEngineLog?> sink)
{
    public void Warning(string message) => sink()?.Warning(SecretMasker.Shared.Apply(message));
    public void Verbose(string message) => sink()?.Verbose(SecretMasker.Shared.Apply(message));
    public void Debug(string message)
    {
        if (sink() is { WantsDebug: true } log) log.Debug(SecretMasker.Shared.Apply(message));
    }
    public void Progress(string activity, string status, int percent) => sink()?.Progress(SecretMasker.Shared.Apply(activity), SecretMasker.Shared.Apply(status), percent);
}
