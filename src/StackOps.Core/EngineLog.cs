using StackOps.Core.Secrets;

namespace StackOps.Core;

/// <summary>Where the engine's messages go: the PowerShell adapter routes them to its streams, the action to the job log.</summary>
public interface IEngineLog
{
    void Warning(string message);
    void Verbose(string message);
    void Debug(string message);
}

/// <summary>The engine's side of the log: every message passes through the secret masker before it leaves.</summary>
internal sealed class MaskedLog(Func<IEngineLog?> sink)
{
    public void Warning(string message) => sink()?.Warning(SecretMasker.Shared.Apply(message));
    public void Verbose(string message) => sink()?.Verbose(SecretMasker.Shared.Apply(message));
    public void Debug(string message) => sink()?.Debug(SecretMasker.Shared.Apply(message));
}
