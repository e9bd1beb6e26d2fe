import CLoadClient

/// The slowest responses of a run, kept while it runs: a few per loop, merged at the end.
/// The incident report lists them with their request ids; `--trace` lists them with the
/// trace context each was sent with.
///
/// Each loop offers every response; most are below the current floor and cost one
/// comparison.
struct SlowestRequests: Sendable {
    /// One response as the loop saw it.
    struct Entry: Sendable, Equatable {
        var latencyNanoseconds: UInt64
        var requestIndex: UInt32
        var status: UInt16
        /// The latency's origin (intended or queued time), in ns after the start of sending.
        var originNanoseconds: UInt64
        /// With --trace: its number in the loop's trace sequence (its traceparent rebuilt from it).
        var traceSequence: UInt64
    }

    let capacity: Int
    /// Ascending by latency; at most `capacity`.
    private(set) var entries: [Entry] = []

    /// How many the incident report lists.
    static let reportedCount = 20

    init(capacity: Int = reportedCount) {
        self.capacity = capacity
        entries.reserveCapacity(capacity + 1)
    }

    /// Keeps `sample` if it is a response among the slowest so far.
    @inline(__always)
    mutating func offer(_ sample: lc_sample) {
        guard sample.error == 0, sample.request_index != LC_NO_REQUEST, capacity > 0 else { return }
        if entries.count == capacity, sample.latency_ns <= entries[0].latencyNanoseconds { return }
        insert(Entry(latencyNanoseconds: sample.latency_ns, requestIndex: sample.request_index,
                     status: sample.status, originNanoseconds: sample.origin_ns, traceSequence: sample.trace_seq))
    }

    mutating func insert(_ entry: Entry) {
        let position = entries.firstIndex { $0.latencyNanoseconds > entry.latencyNanoseconds } ?? entries.count
        entries.insert(entry, at: position)
        if entries.count > capacity { entries.removeFirst() }
    }

    /// Adds another loop's slowest.
    mutating func merge(_ other: SlowestRequests) {
        for entry in other.entries { insert(entry) }
    }
}

/// One of the slowest requests of a run, for the incident report.
public struct SlowRequest: Sendable, Equatable, Codable {
    /// The scenario entry's label.
    public var entry: String
    public var status: Int
    public var latencyMS: Double
    /// When it was due (open loop) or queued (closed loop), in seconds after the start of
    /// sending.
    public var intendedSendSeconds: Double
    /// The `X-Request-Id` the rendered request carried, when the scenario sets one.
    public var requestID: String?
    /// The trace id the request was sent with (`--trace`).
    public var traceID: String?

    enum CodingKeys: String, CodingKey {
        case entry, status
        case latencyMS = "latency_ms"
        case intendedSendSeconds = "intended_send_seconds"
        case requestID = "request_id"
        case traceID = "trace_id"
    }

    public init(entry: String, status: Int, latencyMS: Double, intendedSendSeconds: Double,
                requestID: String? = nil, traceID: String? = nil) {
        self.entry = entry
        self.status = status
        self.latencyMS = latencyMS
        self.intendedSendSeconds = intendedSendSeconds
        self.requestID = requestID
        self.traceID = traceID
    }
}

extension SlowestRequests.Entry {
    /// This response for the incident report: its entry and request id from `table`, and with
    /// --trace (`trace`, its loop's settings) the trace id it was sent with.
    func report(table: RequestTable, trace: TraceSettings.Loop?) -> SlowRequest {
        let index = Int(requestIndex)
        return SlowRequest(entry: table.entryLabel(ofRequest: index), status: Int(status),
                           latencyMS: Double(latencyNanoseconds) / 1e6,
                           intendedSendSeconds: Double(originNanoseconds) / 1e9,
                           requestID: index < table.count ? table.requestID(at: index) : nil,
                           traceID: trace?.traceparent(sequence: traceSequence).traceID)
    }
}

extension SlowestRequests {
    /// The kept responses, slowest first, for the incident report (`trace`: this loop's).
    func report(table: RequestTable, trace: TraceSettings.Loop? = nil) -> [SlowRequest] {
        entries.reversed().map { $0.report(table: table, trace: trace) }
    }
}

extension RequestTable {
    /// The scenario entry label of request `index`, or "?" for none.
    func entryLabel(ofRequest index: Int) -> String {
        index < entries.count ? entryLabels[entries[index]] : "?"
    }

    /// The value of the `X-Request-Id` field of request `index`, if it has one.
    public func requestID(at index: Int) -> String? {
        let request = requests[index]
        let bytes = UnsafeRawBufferPointer(start: request.bytes, count: Int(request.len))
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false).dropFirst() {
            if line.isEmpty { return nil } // the end of the head: a body could contain the same text
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].lowercased() == "x-request-id" else { continue }
            return String(line[line.index(after: colon)...]).trimmingWhitespace()
        }
        return nil
    }
}
