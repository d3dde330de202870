using StackOps.Core.Errors;
using StackOps.Core.GitHub;

namespace StackOps.Core.Tests;

/// <summary>The action's store input against the workspace, on the file system as it is.</summary>
public sealed class ActionInputTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stackops-inputs-").FullName;
    private readonly string _workspace;

    public ActionInputTests() => _workspace = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ActionInputs Store(string store) =>
        ActionInputs.Read(variable => variable switch { "INPUT_STORE" => store, "INPUT_PIPELINE" or "INPUT_VERSION" or "INPUT_TO" => "x", _ => null });

    [Fact]
    public void AStoreThatDoesNotExistYetResolvesUnderTheWorkspace() =>
        Assert.Equal(Path.Combine(_workspace, "missing", ".stackops"), Store("missing/.stackops").StoreRoot(_workspace));

    [Fact]
    public void LinksThatLoopAreRefused()
    {
        File.CreateSymbolicLink(Path.Combine(_workspace, "a"), Path.Combine(_workspace, "b"));
        File.CreateSymbolicLink(Path.Combine(_workspace, "b"), Path.Combine(_workspace, "a"));
        var error = Assert.Throws<StackOpsException>(() => Store("a/.stackops").StoreRoot(_workspace));
        Assert.Equal(("ActionInputInvalid", ErrorKind.InvalidArgument), (error.ErrorId, error.Kind));
        Assert.Contains("its links loop", error.Message);
    }

    [Fact]
    public void AWorkspaceBehindALinkHoldsItsOwnStore()
    {
        var linked = Path.Combine(_root, "linked-work");
        Directory.CreateSymbolicLink(linked, _workspace);
        Assert.Equal(Path.Combine(linked, ".stackops"), Store(".stackops").StoreRoot(linked));
        Assert.Equal(Path.Combine(_workspace, ".stackops"), Store(Path.Combine(_workspace, ".stackops")).StoreRoot(linked));
    }
}
