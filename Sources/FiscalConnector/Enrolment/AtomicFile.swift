import Foundation

/// Replaces files so that a reader (or a crash) sees the old content or the new, never a mix:
/// a temporary file in the same folder, created with its final mode, synced, then renamed.
enum AtomicFile {
    /// Writes `bytes` to `path` with `mode` (0600 for secrets: the temporary file is never readable by others).
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(EnrolmentError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(path, errno) }
        var ok = fchmod(fd, mode) == 0 // the umask may have narrowed the mode given to open
        var written = 0
        while ok, written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { ok = false } else { written += count }
        }
        if ok { ok = fsync(fd) == 0 }
        let code = errno
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let renameCode = errno
            unlink(temporary)
            throw failure(path, ok ? renameCode : code)
        }
        // The rename itself must survive a power cut too.
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Writes UTF-8 text.
    static func write(_ text: String, to path: String, mode: mode_t) throws(EnrolmentError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    private static func failure(_ path: String, _ code: Int32) -> EnrolmentError {
        EnrolmentError(.files, "cannot write \(path): \(String(cString: strerror(code))); check that the folder exists and that this user may write to it")
    }
}
