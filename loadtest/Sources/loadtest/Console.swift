import Foundation
import Synchronization

/// Serializes what the run prints: the live progress line on a terminal's stderr
/// (rewritten in place), watcher rows and notes on stdout/stderr.
final class Console: Sendable {
    let showsProgress: Bool
    let progressShown = Mutex(false)

    init(progress: Bool) { showsProgress = progress }

    /// Rewrites the progress line (only when stderr is a terminal).
    func progress(_ line: String) {
        guard showsProgress else { return }
        progressShown.withLock { shown in
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
            shown = true
        }
    }

    /// A watcher row on stdout, below any progress line.
    func row(_ line: String) {
        progressShown.withLock { shown in
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    /// A message on stderr.
    func note(_ line: String) {
        progressShown.withLock { shown in
            FileHandle.standardError.write(Data(((shown ? "\r\u{1B}[2K" : "") + line + "\n").utf8))
            shown = false
        }
    }

    /// Ends the progress line so the report starts on a fresh line.
    func endProgress() {
        progressShown.withLock { shown in
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            shown = false
        }
    }
}
