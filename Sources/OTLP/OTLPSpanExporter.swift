#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import ProtobufWire
import RequestTracing
import Synchronization

/// Sends finished spans to an OTLP/HTTP collector (protobuf bodies, `POST …/v1/traces`),
/// from a thread of its own through a bounded queue, so that a slow, failing or absent
/// collector never blocks an event loop and never grows memory without bound:
///
/// - `record` (on the loop that ended the span) encodes the span's protobuf bytes on its
///   own stack (a server span's head copied from the per-route cache, `SpanHeads`) and
///   copies them into the queue under a lock (`OTLPEncoding`): no
///   allocation, and no message structs for the exporter to encode and free later. A span over `maxQueuedSpans` (or one that would
///   take the queue past `maxQueuedBytes`) is dropped and counted (`onDrop`, the
///   `otel_spans_dropped_total` metric); once the queue is full, spans are dropped without
///   being encoded until the thread takes a batch out.
/// - The thread sends a batch when `batchSize` spans are queued or `interval` has passed.
/// - A failed send (no connection, a timeout, a 5xx or 429) is retried with backoff
///   (`retryDelays`); a batch that still fails, or that the collector refuses as malformed
///   (another 4xx), is dropped and counted.
/// - `shutdown(milliseconds:)`, at exit, sends what is queued within the time given, with
///   no backoff, and counts what it could not send as dropped.
public final class OTLPSpanExporter: SpanSink {
    /// How the exporter batches and retries.
    public struct Configuration: Sendable {
        /// The collector.
        public var endpoint: OTLPEndpoint
        /// `service.name` on the resource (`OTEL_SERVICE_NAME`).
        public var serviceName: String
        /// The instrumentation scope's version (the service's).
        public var serviceVersion: String
        /// Spans queued at most; more are dropped.
        public var maxQueuedSpans = 4096
        /// Bytes of queued spans at most (a span's attributes have no size limit).
        public var maxQueuedBytes = 4 << 20
        /// Spans per request body at most.
        public var batchSize = 512
        /// How long a span waits for its batch at most.
        public var interval: Duration = .seconds(1)
        /// Connect, send and receive timeout per attempt.
        public var timeout: Duration = .seconds(2)
        /// Waits before the second, third, … attempt of a batch.
        public var retryDelays: [Duration] = [.milliseconds(100), .milliseconds(400), .milliseconds(1600)]

        /// The defaults, for `endpoint`.
        public init(endpoint: OTLPEndpoint, serviceName: String, serviceVersion: String) {
            self.endpoint = endpoint
            self.serviceName = serviceName
            self.serviceVersion = serviceVersion
        }
    }

    /// Spans as protobuf bytes, back to back, and where each one ends.
    private struct Queue {
        var bytes: [UInt8] = []
        var ends: [Int] = []
    }

    private struct State {
        var queue = Queue()
        var sending = false
        var shuttingDown = false
        /// Set by `flush`: send what is queued now, a part batch included.
        var flushRequested = false
    }

    private let configuration: Configuration
    private let header: OTLPEncoding.Header
    private let state: Mutex<State>
    /// Whether the last span queued or dropped found the queue full: read without the lock
    /// before a span is encoded, so that while a collector stalls the loops drop spans for
    /// the price of a load, not of encoding each one first.
    private let full = Atomic<Bool>(false)
    /// Server spans' heads, encoded once per route.
    private let heads = OTLPEncoding.SpanHeads()
    private let wake = DispatchSemaphore(value: 0)
    private let onDrop: @Sendable (Int) -> Void
    private let onExported: @Sendable (Int) -> Void

    /// An exporter; `onDrop` and `onExported` count spans (metrics). Starts its thread.
    public init(configuration: Configuration, onDrop: @escaping @Sendable (Int) -> Void = { _ in },
                onExported: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        // Swift-protobuf encodes two small messages that cannot fail to encode.
        header = try! OTLPEncoding.Header(serviceName: configuration.serviceName, scopeVersion: configuration.serviceVersion)
        var state = State()
        // About 200 bytes a span: the first batches grow the buffer no further.
        state.queue.bytes.reserveCapacity(configuration.batchSize * 256)
        state.queue.ends.reserveCapacity(configuration.maxQueuedSpans)
        self.state = Mutex(state)
        self.onDrop = onDrop
        self.onExported = onExported
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let exporter = Unmanaged<OTLPSpanExporter>.fromOpaque(argument!).takeRetainedValue()
            exporter.run()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }

    /// Queues a span, or drops it when the queue is full. Never blocks.
    public func record(_ span: FinishedSpan) {
        if full.load(ordering: .relaxed) {
            onDrop(1)
            return
        }
        let (queued, dropped) = OTLPEncoding.withEncodedSpan(span, heads: heads) { encoded in
            state.withLock { state -> (Int, Bool) in
                guard state.queue.ends.count < configuration.maxQueuedSpans,
                      state.queue.bytes.count + encoded.count <= configuration.maxQueuedBytes else {
                    full.store(true, ordering: .relaxed)
                    return (state.queue.ends.count, true)
                }
                state.queue.bytes.append(contentsOf: encoded)
                state.queue.ends.append(state.queue.bytes.count)
                return (state.queue.ends.count, false)
            }
        }
        if dropped { onDrop(1); return }
        if queued == configuration.batchSize { wake.signal() }
    }

    /// Sends what is queued now, waiting up to a second.
    public func flush() { flush(milliseconds: 1000) }

    /// Sends what is queued, waiting up to `milliseconds`.
    public func flush(milliseconds: Int) {
        state.withLock { $0.flushRequested = true }
        wake.signal()
        for _ in 0..<max(1, milliseconds / 5) {
            if state.withLock({ $0.queue.ends.isEmpty && !$0.sending }) { return }
            usleep(5000)
        }
    }

    /// The last flush, at exit: each batch gets one attempt (no backoff), and what is still
    /// queued when `milliseconds` run out is counted as dropped, so that every span ends
    /// up exported or counted.
    public func shutdown(milliseconds: Int) {
        state.withLock { $0.shuttingDown = true }
        flush(milliseconds: milliseconds)
        let left = state.withLock { state -> Int in
            let left = state.queue.ends.count
            state.queue.bytes.removeAll(keepingCapacity: true)
            state.queue.ends.removeAll(keepingCapacity: true)
            full.store(false, ordering: .relaxed)
            return left
        }
        if left > 0 { onDrop(left) }
    }

    private func run() {
        // The batch in hand and the request body: this thread's own, their buffers reused.
        var batch = Queue()
        batch.bytes.reserveCapacity(configuration.batchSize * 256)
        batch.ends.reserveCapacity(configuration.maxQueuedSpans)
        var body: [UInt8] = []
        let client = OTLPHTTPClient(endpoint: configuration.endpoint, timeoutMilliseconds: Int(
            configuration.timeout.components.seconds * 1000 + configuration.timeout.components.attoseconds / 1_000_000_000_000_000))
        while true {
            let woken = wake.wait(timeout: .now() + .nanoseconds(Int(configuration.interval.components.seconds * 1_000_000_000
                + configuration.interval.components.attoseconds / 1_000_000_000)))
            // A part batch goes when its time is up or on a flush; a wake for a full batch
            // sends full batches only, so that what arrives during a send waits for the
            // next batch instead of going out in many small requests.
            var sendPartBatch = woken == .timedOut
            while true {
                // Takes the whole queue when it is one batch or less (a swap: the loops go on
                // writing into the buffers of the last batch), else the first batch's bytes.
                let count = state.withLock { state -> Int in
                    if state.flushRequested || state.shuttingDown {
                        state.flushRequested = false
                        sendPartBatch = true
                    }
                    let count = min(state.queue.ends.count, configuration.batchSize)
                    guard count == configuration.batchSize || (count > 0 && sendPartBatch) else {
                        state.sending = false
                        return 0
                    }
                    state.sending = true
                    if count == state.queue.ends.count {
                        swap(&state.queue, &batch)
                    } else {
                        let end = state.queue.ends[count - 1]
                        batch.bytes.append(contentsOf: state.queue.bytes[..<end])
                        batch.ends.append(contentsOf: state.queue.ends[..<count])
                        state.queue.bytes.removeSubrange(..<end)
                        state.queue.ends.removeSubrange(..<count)
                        for index in state.queue.ends.indices { state.queue.ends[index] -= end }
                    }
                    full.store(false, ordering: .relaxed)  // room again
                    return count
                }
                if count == 0 { break }
                batch.bytes.withUnsafeBytes { spans in
                    OTLPEncoding.request(header: header, spans: spans, start: 0, ends: batch.ends, into: &body)
                }
                batch.bytes.removeAll(keepingCapacity: true)
                batch.ends.removeAll(keepingCapacity: true)
                send(body, spans: count, over: client)
                state.withLock { $0.sending = false }
            }
        }
    }

    /// Sends one batch, retrying with backoff; drops and counts it if it cannot go.
    private func send(_ body: [UInt8], spans count: Int, over client: OTLPHTTPClient) {
        for attempt in 0...configuration.retryDelays.count {
            if attempt > 0 {
                // At shutdown there is no time to back off: one attempt, then count it lost.
                if state.withLock({ $0.shuttingDown }) { break }
                let delay = configuration.retryDelays[attempt - 1]
                usleep(UInt32(delay.components.seconds * 1_000_000 + delay.components.attoseconds / 1_000_000_000_000))
            }
            guard let status = client.post(body) else { continue }
            if (200..<300).contains(status) {
                onExported(count)
                return
            }
            // OTLP/HTTP: only 429, 502, 503 and 504 may be retried; any other answer is final.
            if ![429, 502, 503, 504].contains(status) { break }
        }
        onDrop(count)
    }
}
