import Logging

/// Any swift-log handler, at the process's level (`LogLevelControl`) rather than its own, so
/// that `POST /debug/loggers` reaches the text format too. The wrapped handler writes what
/// it always wrote; only the decision whether to write moves here.
public struct LevelControlledLogHandler<Wrapped: LogHandler>: LogHandler {
    private var wrapped: Wrapped
    private let control: LogLevelControl
    private var ownLevel: Logger.Level?

    /// `wrapped`, at `control`'s level.
    public init(_ wrapped: Wrapped, control: LogLevelControl) {
        var wrapped = wrapped
        wrapped.logLevel = .trace // it no longer filters: Logger asks this handler's level
        self.wrapped = wrapped
        self.control = control
    }

    /// The process's level, or this copy's own once it was set.
    public var logLevel: Logger.Level {
        get { ownLevel ?? control.level }
        set { ownLevel = newValue }
    }

    /// The wrapped handler's metadata.
    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    /// The wrapped handler's metadata provider.
    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    /// One metadata value of the wrapped handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    /// Passes the record on.
    public func log(event: LogEvent) {
        wrapped.log(event: event)
    }
}
