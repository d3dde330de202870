namespace StackOps.Core.Errors;

/// <summary>What kind of failure an error is; the PowerShell adapter maps it to an ErrorCategory.</summary>
public enum ErrorKind
{
    NotFound,
    AlreadyExists,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ResourceBusy,
    SecurityError,
}

/// <summary>
/// Every failure the engine reports: a stable PascalCase id (part of the interface), a kind,
/// the object it is about and a message that says what to do next. Messages never hold a
/// configuration value, only names, keys, files and lines.
/// </summary>
public sealed class StackOpsException : Exception
{
    public StackOpsException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public object? Target { get; }
}
