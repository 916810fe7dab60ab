import Foundation

/// A file or folder that could not be written; one line naming it and what to check.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): cannot write (\(reason)); check that its folder exists, is writable and has space" }
}

/// Writes files so that a reader never sees a partial one: temporary name, fsync, rename.
public enum AtomicFile {
    /// Makes `path` (and its parents) a folder this process can write into, or throws one line.
    public static func makeDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw FileWriteError(path: path, reason: "not a folder") }
        guard access(path, W_OK) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// The temporary name a write of `path` by process `pid` on this host uses: NAME.tmp-HOST-PID
    /// (the host, because array tasks on several nodes may write into one shared folder).
    public static func temporaryName(_ path: String, pid: Int32 = getpid()) -> String { path + ".tmp-\(host)-\(pid)" }

    static let host: String = {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "host" }
        let text = String(cString: name).replacingOccurrences(of: "/", with: "_")
        return text.isEmpty ? "host" : text
    }()

    public static func write(_ bytes: [UInt8], to path: String) throws { try writeAll([(path, bytes)]) }

    /// Writes several files all or nothing: every one to its temporary name and fsync'd first; only
    /// when all are written are they renamed into place. A failure (a full disk) leaves none of the
    /// new files, and the temporaries are removed.
    public static func writeAll(_ files: [(path: String, bytes: [UInt8])]) throws {
        var written: [String] = []
        do {
            for (path, bytes) in files {
                try writeTemporary(bytes, for: path)
                written.append(path)
            }
        } catch {
            for path in written { unlink(temporaryName(path)) }
            throw error
        }
        for (path, _) in files where rename(temporaryName(path), path) != 0 {
            let reason = String(cString: strerror(errno))
            for (other, _) in files { unlink(temporaryName(other)) }
            throw FileWriteError(path: path, reason: reason)
        }
        // The renames survive a crash once the directories are synced.
        for folder in Set(files.map { ($0.path as NSString).deletingLastPathComponent }) {
            let dir = open(folder.isEmpty ? "." : folder, O_RDONLY)
            if dir >= 0 {
                fsync(dir)
                close(dir)
            }
        }
    }

    /// Writes and fsyncs `bytes` to `path`'s temporary name.
    static func writeTemporary(_ bytes: [UInt8], for path: String) throws {
        let tmp = temporaryName(path)
        var fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Out of descriptors (a flood of connections, say) is a moment, not a reason to lose a
        // checkpoint: retried for up to 5 s.
        var tries = 0
        while fd < 0 && (errno == EMFILE || errno == ENFILE) && tries < 50 {
            usleep(100_000)
            tries += 1
            fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(tmp)
            throw FileWriteError(path: path, reason: reason)
        }
    }

    /// Removes the temporary files (`NAME.tmp-HOST-PID`) that writers on this host which died
    /// mid-write left in `directory`: those whose process no longer runs. Other hosts' are left
    /// alone (their writers may be alive). Returns the names removed.
    @discardableResult
    public static func removeStale(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        let mine = ".tmp-\(host)-"
        for name in names {
            guard let range = name.range(of: mine, options: .backwards),
                let pid = Int32(name[range.upperBound...]), pid > 0, pid != getpid()
            else { continue }
            // kill(pid, 0) fails with ESRCH when no such process exists.
            if kill(pid, 0) != 0 && errno == ESRCH, unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }
}
