import Server
import TaskRegistry
import Synchronization

/// Registers every client connection in the task registry while it is open, named
/// `connection` and labelled with its protocol (`h1`, `h2`), TLS and id, so that
/// `/debug/tasks` shows connections beside the requests they carry, as Go's goroutine
/// profile shows each connection's goroutine.
///
/// Events arrive on the loop that owns the connection, so each loop's table is touched by
/// one thread only; the per-loop mutex is never contended.
public final class RegistryConnectionObserver: ConnectionObserver {
    let registry: TaskRegistry
    let tables: [Table]

    final class Table: Sendable {
        let tokens = Mutex<[UInt64: TaskToken]>([:])
    }

    public init(registry: TaskRegistry, loopCount: Int) {
        self.registry = registry
        tables = (0..<max(1, loopCount)).map { _ in Table() }
    }

    public func connectionEvent(_ event: ConnectionEvent) {
        let table = tables[event.loopIndex % tables.count]
        switch event.kind {
        case .closed:
            if let token = table.tokens.withLock({ $0.removeValue(forKey: event.connectionID) }) { registry.end(token) }
        default:
            // Opened, or switched to HTTP/2: (re)register with the current protocol label.
            var labels = TaskLabels()
            labels.append("proto", event.version.label)
            labels.append("tls", event.isTLS ? "true" : "false")
            labels.append("conn_id", String(event.connectionID))
            let token = registry.register(name: "connection", parent: nil, labels: labels, site: TaskSite())
            if let old = table.tokens.withLock({ $0.updateValue(token, forKey: event.connectionID) }) { registry.end(old) }
        }
    }
}
