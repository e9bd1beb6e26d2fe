import Logging
import Tracing

/// Log correlation: a swift-log metadata provider that adds `trace_id` and `span_id` of the
/// span whose context the logging code runs in (the task-local
/// `InstrumentationContext.current`), so that every line a request logs, its access-log
/// line included, names its trace.
public enum TraceLogMetadata {
    /// The provider; add it beside the others with `Logger.MetadataProvider.multiplex`.
    public static let provider = Logger.MetadataProvider {
        guard let identity = InstrumentationContext.current?.spanIdentity, !identity.isRemote, identity.namesATrace else {
            return [:]
        }
        return ["trace_id": .string(identity.traceIDText), "span_id": .string(identity.spanIDText)]
    }
}
