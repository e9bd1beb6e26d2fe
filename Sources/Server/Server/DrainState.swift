import Synchronization

/// Whether the server is draining. Shared between the server, which sets it when a
/// graceful shutdown starts, and readiness probes, which report it.
public final class DrainState: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// True once a graceful shutdown has begun.
    public var isDraining: Bool { flag.load(ordering: .relaxed) }

    /// Marks the start of draining. Returns false if it had already started.
    @discardableResult
    package func begin() -> Bool { !flag.exchange(true, ordering: .relaxed) }
}
