import Logging
import Synchronization

/// The process's log level, changed while it runs (`POST /debug/loggers` on the admin
/// listener) and read by every handler on every record, so that a change applies at once to
/// every logger, the copies that middleware and handlers hold included.
///
/// One relaxed atomic load per log call: a level is a hint about what to write, not a
/// value other memory depends on.
public final class LogLevelControl: Sendable {
    private let index: Atomic<Int>

    /// A control starting at `level`.
    public init(_ level: Logger.Level) {
        index = Atomic(Self.levels.firstIndex(of: level) ?? 2)
    }

    /// The level in force now.
    public var level: Logger.Level {
        Self.levels[index.load(ordering: .relaxed)]
    }

    /// Changes the level for every logger at once.
    public func set(_ level: Logger.Level) {
        index.store(Self.levels.firstIndex(of: level) ?? 2, ordering: .relaxed)
    }

    /// Every level, least severe first.
    private static let levels = Logger.Level.allCases

    /// The names `set` accepts, least severe first ("trace" … "critical").
    public static var levelNames: [String] { levels.map(\.rawValue) }
}
