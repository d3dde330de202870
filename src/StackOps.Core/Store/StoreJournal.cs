using System.Text.Json;
using System.Text.Json.Serialization;
using StackOps.Core.Errors;
using StackOps.Core.IO;

namespace StackOps.Core.Store;

/// <summary>
/// A change to several documents, written whole (atomically) before any document is touched: once
/// it is on disk the change is decided, and whoever opens the store next finishes it. A process
/// killed mid-commit so leaves all of the change or none of it, never a renamed component that no
/// stack refers to. The journal is a file of the store like the documents (a pull request could
/// carry one, as it could carry the documents themselves): its keys are validated like any name,
/// so replaying it only ever writes documents inside the store.
/// </summary>
internal static class StoreJournal
{
    public const string FileName = ".journal";

    /// <summary>Enough for a rename that touches ten thousand stacks.</summary>
    private const int MaxBytes = 256 * 1024 * 1024;

    public sealed record Entry(
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("type")] string? Type,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("text")] string? Text);

    private sealed record Document(
        [property: JsonPropertyName("apiVersion")] string ApiVersion,
        [property: JsonPropertyName("entries")] IReadOnlyList<Entry> Entries);

    private const string Format = "stackops.io/journal/v1";

    public static void Write(string path, IReadOnlyList<Entry> entries, string temporaryFolder) =>
        SafeFiles.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(new Document(Format, entries)), temporaryFolder: temporaryFolder);

    /// <summary>The journal's entries, null when there is none; one that cannot be read is an error naming it.</summary>
    public static IReadOnlyList<Entry>? Read(string path)
    {
        var text = SafeFiles.ReadTextIfExists(path, MaxBytes, "StoreJournalInvalid");
        if (text is null) return null;
        try
        {
            var document = JsonSerializer.Deserialize<Document>(text);
            if (document is { ApiVersion: Format, Entries: { } entries } && entries.All(e => e is { Kind: not null, Name: not null })) return entries;
        }
        catch (JsonException) { }
        throw new StackOpsException("StoreJournalInvalid", ErrorKind.InvalidData,
            $"{path} is not a StackOps journal, so the change it should finish is unknown. Compare the store with git (git status), restore what is half-changed, then delete {path}.", path);
    }
}
