import OTLP
import RequestTracing
import Synchronization

/// Where chain-bench's traced requests send their spans: each one encoded and copied into a
/// buffer under a lock, as `OTLPSpanExporter.record` does into its queue, and the buffer
/// emptied now and then instead of sent. What a loop pays per span, without a collector.
final class EncodingSink: SpanSink {
    private let queue = Mutex<[UInt8]>([])
    private let heads = OTLPEncoding.SpanHeads()

    func record(_ span: FinishedSpan) {
        OTLPEncoding.withEncodedSpanBytes(span, heads: heads) { encoded in
            queue.withLock { bytes in
                bytes.append(contentsOf: encoded)
                if bytes.count > 1 << 20 { bytes.removeAll(keepingCapacity: true) }
            }
        }
    }

    func flush() {}
}
