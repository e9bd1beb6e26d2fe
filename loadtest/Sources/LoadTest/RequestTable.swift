import CLoadClient

/// Requests rendered before the run, in one block of memory that the C loops read from
/// (they send them in turn, each loop from its own starting point).
///
/// Immutable after `init`, so it is safe to share between the loops' threads; the memory
/// lives as long as the table.
public final class RequestTable: @unchecked Sendable {
    /// Rendered requests.
    public let count: Int
    /// The scenario entry of each request.
    public let entries: [Int]
    /// Labels of the scenario entries, for reports.
    public let entryLabels: [String]
    let requests: UnsafeMutablePointer<lc_request>
    let storage: UnsafeMutableRawBufferPointer

    /// Renders `count` requests of `scenario` (at least one of each entry when count allows).
    /// `traceparent`: each carries a placeholder the client fills at each send (`--trace`).
    /// Entries whose checks read the body have their responses' bodies kept.
    public init(scenario: Scenario, authority: String, count: Int, seed: UInt64? = nil, traceparent: Bool = false) {
        var renderer = ScenarioRenderer(scenario: scenario, authority: authority, seed: seed)
        renderer.traceparent = traceparent
        let keepsBody = scenario.requests.map { $0.expect?.readsBody == true }
        let total = max(1, count)
        var rendered: [ScenarioRenderer.Rendered] = []
        rendered.reserveCapacity(total)
        for _ in 0..<total { rendered.append(renderer.next()) }
        let size = rendered.reduce(0) { $0 + $1.bytes.count }
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, size), alignment: 16)
        requests = UnsafeMutablePointer<lc_request>.allocate(capacity: total)
        var offset = 0
        for (index, request) in rendered.enumerated() {
            let start = storage.baseAddress! + offset
            request.bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            let flags = (request.isHead ? UInt32(LC_REQUEST_HEAD) : 0) | (keepsBody[request.entry] ? UInt32(LC_REQUEST_KEEP_BODY) : 0)
            requests[index] = lc_request(bytes: start.assumingMemoryBound(to: CChar.self),
                                         len: UInt32(request.bytes.count), flags: flags,
                                         trace_offset: UInt32(request.traceOffset))
            offset += request.bytes.count
        }
        self.count = total
        entries = rendered.map(\.entry)
        entryLabels = scenario.requests.map(\.label)
    }

    /// The bytes of request `index`, as text (for tests and dry runs).
    public func text(at index: Int) -> String {
        let request = requests[index]
        let buffer = UnsafeRawBufferPointer(start: request.bytes, count: Int(request.len))
        return String(decoding: buffer, as: UTF8.self)
    }

    deinit {
        requests.deallocate()
        storage.deallocate()
    }
}
