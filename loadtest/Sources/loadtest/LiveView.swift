import LoadTest
import Synchronization

/// The live view's state: the latest watcher row, kept for the next progress line.
final class LiveView: Sendable {
    let configuration: LoadConfiguration
    let latestRow = Mutex<WatchRow?>(nil)

    init(configuration: LoadConfiguration) { self.configuration = configuration }

    /// Keeps `row` for the lines that follow it.
    func watched(_ row: WatchRow) { latestRow.withLock { $0 = row } }

    /// The line for `snapshot` (Console shows it only on a terminal).
    func line(_ snapshot: ProgressSnapshot) -> String {
        snapshot.liveLine(configuration: configuration, watch: latestRow.withLock { $0 })
    }
}
