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
        switch (FileKind(path))
        {
            case FileType.Folder: throw Unreadable(errorId, path, "is a folder, not a file");
            case FileType.Other: throw Unreadable(errorId, path, NotRegular);
        }
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
                if (total > length) throw Unreadable(errorId, path, NotRegular);
                return Utf8.GetString(buffer, 0, total);
            }
            catch (NotSupportedException e) { throw Unreadable(errorId, path, NotRegular, e); }
        }
    }

    private const string NotRegular = "is not a regular file (a device, a pipe, a socket, or a file still being written)";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private enum FileType { Missing, Regular, Folder, Other }

    /// <summary>
    /// What a path is, following links. .NET tells a folder from a file but not a regular file from a
    /// device or a pipe (opening a pipe blocks; replacing /dev/null by rename breaks the machine), so on
    /// Unix this asks the runtime's own native library, as the dotnet CLI does. Where it cannot, a
    /// file counts as regular and the bounded read still stops at its limit.
    /// </summary>
    private static FileType FileKind(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                if (NativeStat(path, out var status) != 0) return FileType.Missing;
                return (status.Mode & FileTypeMask) switch { RegularFile => FileType.Regular, DirectoryFile => FileType.Folder, _ => FileType.Other };
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        return Directory.Exists(path) ? FileType.Folder : File.Exists(path) ? FileType.Regular : FileType.Missing;
    }

    private const int FileTypeMask = 0xF000, RegularFile = 0x8000, DirectoryFile = 0x4000;

    /// <summary>The start of the runtime's FileStatus (flags, mode, owner, size, then the times), sized larger than the whole structure, which the native call fills.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 256)]
    private struct NativeFileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
        public long Size;
        public long AccessTime;
        public long AccessTimeNanoseconds;
        public long WriteTime;
        public long WriteTimeNanoseconds;
        public long ChangeTime;
        public long ChangeTimeNanoseconds;
    }

    /// <summary>
    /// What tells whether a regular file changed since it was read: its size, time of last write, and
    /// time of last status change (which every write and rename sets, and which no one can set back),
    /// as the native call gives them. Null where they cannot be had for certain (Windows, a runtime
    /// whose structure does not match <paramref name="file"/>'s size and time of last write): the
    /// caller then reads the file.
    /// </summary>
    public static (long Size, long WriteTicks, long ChangeSeconds, long ChangeNanoseconds)? Stamp(FileInfo file)
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            if (NativeStat(file.FullName, out var status) != 0 || (status.Mode & FileTypeMask) != RegularFile) return null;
            var written = DateTime.UnixEpoch.Ticks + status.WriteTime * TimeSpan.TicksPerSecond + status.WriteTimeNanoseconds / 100;
            if (status.Size != file.Length || written != file.LastWriteTimeUtc.Ticks) return null;
            return (status.Size, written, status.ChangeTime, status.ChangeTimeNanoseconds);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    [System.Runtime.InteropServices.DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = System.Runtime.InteropServices.CharSet.Ansi, SetLastError = true)]
    private static extern int NativeStat([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, out NativeFileStatus status);

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

    /// <summary>
    /// A path with every link along it resolved, component by component, as the operating system
    /// would ('..' after a link goes up from its target); parts that do not exist are kept as written.
    /// Null when the links loop.
    /// </summary>
    public static string? RealPath(string path) => RealPath(path, 0);

    private const int MaxLinks = 40;

    private static string? RealPath(string path, int links)
    {
        path = Path.IsPathFullyQualified(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
        var root = Path.GetPathRoot(path)!;
        var current = root;
        foreach (var part in path[root.Length..].Split(PathSeparators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            if (LinkTarget(next) is { } target)
            {
                if (links >= MaxLinks) return null;
                if (RealPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target), links + 1) is not { } resolved) return null;
                next = resolved;
            }
            current = next;
        }
        return current;
    }

    /// <summary>Where a link points (as written in it), null for anything that is not a link or does not exist.</summary>
    public static string? LinkTarget(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    private static readonly char[] PathSeparators = OperatingSystem.IsWindows() ? ['\\', '/'] : ['/'];

    /// <summary>Whether a path is a folder or lies inside it (both already real paths).</summary>
    public static bool IsInside(string path, string folder)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var trimmed = Path.TrimEndingDirectorySeparator(folder);
        return string.Equals(Path.TrimEndingDirectorySeparator(path), trimmed, comparison)
            || path.StartsWith(trimmed + Path.DirectorySeparatorChar, comparison);
    }

    /// <summary>Creates a folder (and its missing parents) readable by its owner alone (0700 on Unix); an existing one is left as it is.</summary>
    public static void CreateOwnerOnlyFolder(string path)
    {
        if (Directory.Exists(path)) return;
        if (File.Exists(path)) throw NotAFolder(path);
        // Level by level: every folder created, not only the last, is the owner's alone.
        if (!OperatingSystem.IsWindows() && Path.GetDirectoryName(path) is { } parent) CreateOwnerOnlyFolder(parent);
        try
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
            else if (!Directory.Exists(path)) Directory.CreateDirectory(path, OwnerOnlyFolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new StackOpsException("FileNotWritable", ErrorKind.InvalidOperation,
                $"Cannot create the folder '{Errors.Fail.Printable(path)}': {e.Message.TrimEnd('.')}. Check that its parent is yours and writable, and that the name is one the file system takes.", path, e);
        }
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
        if (FileKind(path) is (FileType.Folder or FileType.Other) and var kind)
            throw new StackOpsException("FileNotWritable", ErrorKind.InvalidArgument,
                $"'{path}' is {(kind is FileType.Folder ? "a folder" : "not a regular file (a device, a pipe or a socket)")}, which StackOps will not replace. Give the path of a file.", path);
        try { Write(path, bytes, ownerOnly, temporaryFolder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new StackOpsException("FileNotWritable", ErrorKind.InvalidOperation,
                $"Cannot write '{Errors.Fail.Printable(path)}': {e.Message.TrimEnd('.')}. Check that its folder exists or can be created, is yours and writable, and that the disk has room.", path, e);
        }
    }

    private static void Write(string path, byte[] bytes, bool ownerOnly, string? temporaryFolder)
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
