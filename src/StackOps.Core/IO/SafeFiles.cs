using System.Text;
using Microsoft.Win32.SafeHandles;
using StackOps.Core.Errors;

namespace StackOps.Core.IO;

/// <summary>
/// The one helper for the files StackOps keeps (the store, the local secret backend, the per-user
/// state, the client logins): bounded reads, atomic owner-only writes, owner-only folders and
/// folder locks whose leftovers are cleaned up by the next holder.
/// </summary>
public static class SafeFiles
{
    /// <summary>The folder's lock file, and the folder where writers under that lock keep their temporary files.</summary>
    public const string LockFileName = ".lock", TemporaryFolderName = ".tmp";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// A file's text, read through one handle that lets a writer replace the file meanwhile, and at
    /// most <paramref name="maxBytes"/> of it: a folder, a device, a pipe or a larger file is an error
    /// with <paramref name="errorId"/> (the reader's: InvalidYaml for documents) that names the file.
    /// A missing file throws FileNotFoundException or DirectoryNotFoundException, for the caller to decide.
    /// </summary>
    public static string ReadText(string path, int maxBytes, string errorId)
    {
        if (Directory.Exists(path)) throw Unreadable(errorId, path, "is a folder, not a file");
        SafeFileHandle handle;
        try { handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
        catch (UnauthorizedAccessException e) { throw Unreadable(errorId, path, "cannot be read with your permissions", e); }
        using (handle)
        {
            try
            {
                var length = RandomAccess.GetLength(handle);
                if (length > maxBytes) throw TooLarge(errorId, path, maxBytes);
                // One byte more than the file says it holds: a regular file has no more to give, a device or a pipe does.
                var buffer = new byte[length + 1];
                var total = 0;
                for (int read; total < buffer.Length && (read = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0;) total += read;
                if (total > length) throw Unreadable(errorId, path, "is not a regular file (a device, a pipe, or a file still being written)");
                return Utf8.GetString(buffer, 0, total);
            }
            catch (NotSupportedException e) { throw Unreadable(errorId, path, "is not a regular file (a device, a pipe, or a file still being written)", e); }
        }
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Reads a file's text as <see cref="ReadText"/> does, null when it does not exist.</summary>
    public static string? ReadTextIfExists(string path, int maxBytes, string errorId)
    {
        try { return ReadText(path, maxBytes, errorId); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    private static StackOpsException Unreadable(string errorId, string path, string problem, Exception? inner = null) =>
        new(errorId, ErrorKind.InvalidData, $"{path} {problem}. Give StackOps a regular file.", path, inner);

    private static StackOpsException TooLarge(string errorId, string path, int maxBytes) =>
        new(errorId, ErrorKind.InvalidData, $"{path} is larger than {Megabytes(maxBytes)}, the most StackOps reads from such a file. Fix or replace the file; StackOps never rewrites or deletes it.", path);

    private static string Megabytes(int bytes) => bytes >= 1024 * 1024 ? $"{bytes / 1024 / 1024} MiB" : $"{bytes / 1024} KiB";

    /// <summary>Creates a folder (and its missing parents) readable by its owner alone (0700 on Unix); an existing one is left as it is.</summary>
    public static void CreateOwnerOnlyFolder(string path)
    {
        if (Directory.Exists(path)) return;
        if (File.Exists(path)) throw NotAFolder(path);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnlyFolder);
    }

    public static StackOpsException NotAFolder(string path) =>
        new("StoreUnusable", ErrorKind.InvalidOperation, $"'{path}' is a file where StackOps needs a folder. Move the file away, or point StackOps elsewhere ($env:STACKOPS_HOME for your user store).", path);

    /// <summary>Writes text atomically (UTF-8, no byte order mark).</summary>
    public static void WriteAtomically(string path, string text, string? temporaryFolder = null) =>
        WriteAtomically(path, Utf8.GetBytes(text), temporaryFolder: temporaryFolder);

    /// <summary>
    /// Writes bytes so that readers see the old or the new content, never a mix: a temporary file
    /// (owner-only, in <paramref name="temporaryFolder"/> when the writer holds that folder's lock,
    /// else beside the target), flushed to disk, then renamed over the target. With ownerOnly the
    /// result is readable by its owner alone (0600 on Unix).
    /// </summary>
    public static void WriteAtomically(string path, byte[] bytes, bool ownerOnly = false, string? temporaryFolder = null)
    {
        var folder = Path.GetDirectoryName(path)!;
        CreateOwnerOnlyFolder(folder);
        if (temporaryFolder is not null) CreateOwnerOnlyFolder(temporaryFolder);
        var temporary = Path.Combine(temporaryFolder ?? folder, $".{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            if (!ownerOnly && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            ReplaceWith(temporary, path);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Renames over the target; on Windows an antivirus or indexer may hold it for a moment, so retry briefly.</summary>
    private static void ReplaceWith(string temporary, string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                File.Move(temporary, path, overwrite: true);
                return;
            }
            catch (Exception e) when (attempt < 20 && e is IOException or UnauthorizedAccessException && OperatingSystem.IsWindows())
            {
                Thread.Sleep(10 * attempt);
            }
        }
    }

    /// <summary>
    /// Holds a folder's exclusive lock (an OS lock on its owner-only .lock file, released if the
    /// process dies). Whoever holds it next finds no other writer alive, so it deletes the
    /// temporary files that a killed writer left in the folder's .tmp folder.
    /// </summary>
    public static IDisposable AcquireLock(string folder)
    {
        CreateOwnerOnlyFolder(folder);
        var path = Path.Combine(folder, LockFileName);
        if (Directory.Exists(path))
            throw new StackOpsException("StoreUnusable", ErrorKind.InvalidOperation, $"'{path}' is a folder where StackOps keeps its lock file. Remove that folder; StackOps recreates the file.", path);
        var deadline = DateTime.UtcNow + LockTimeout;
        var delay = 1;
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        while (true)
        {
            try
            {
                var handle = new FileStream(path, options);
                RemoveStaleTemporaries(Path.Combine(folder, TemporaryFolderName));
                return handle;
            }
            catch (UnauthorizedAccessException e)
            {
                throw new StackOpsException("StoreUnusable", ErrorKind.SecurityError, $"Cannot open the lock file '{path}' with your permissions. Give your user write access to '{folder}'.", folder, e);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(delay, delay * 2 + 1));
                delay = Math.Min(delay * 2, 50);
            }
            catch (IOException e)
            {
                throw Fail.StoreLocked(folder, LockTimeout, e);
            }
        }
    }

    private static void RemoveStaleTemporaries(string temporaryFolder)
    {
        if (!Directory.Exists(temporaryFolder)) return;
        foreach (var file in Directory.EnumerateFiles(temporaryFolder, "*.tmp")) File.Delete(file);
    }
}
