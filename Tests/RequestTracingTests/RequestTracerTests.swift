import RequestTracing
import Synchronization
import Testing
import Tracing
import W3CTraceContext

/// A sink that keeps what it is given, for the tests.
final class CollectingSink: SpanSink {
    let spans = Mutex<[FinishedSpan]>([])
    func record(_ span: FinishedSpan) { spans.withLock { $0.append(span) } }
    func flush() {}
    var all: [FinishedSpan] { spans.withLock { $0 } }
}

/// Dictionary carriers for extract and inject.
struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

/// The tracer through swift-distributed-tracing's own API: nesting by context, a trace
/// carried on from a remote parent, sampling both ways, and propagation.
struct RequestTracerTests {
    @Test func childSpansNestUnderTheSpanInTheirContext() throws {
        let sink = CollectingSink()
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 1), sink: sink)
        tracer.withSpan("GET /api/v1/order/map", ofKind: .server) { server in
            InstrumentationContext.withValue(server.context) {
                tracer.withSpan("inventory-cache.read") { read in read.attributes["sku"] = "SKU-00001" }
                tracer.withSpan("stock.validate") { _ in }
            }
        }
        let spans = sink.all
        #expect(spans.map(\.name) == ["inventory-cache.read", "stock.validate", "GET /api/v1/order/map"])
        let server = try #require(spans.last)
        #expect(server.parentSpanID == nil)
        #expect(server.kind == .server)
        for child in spans.dropLast() {
            #expect(child.traceContext.traceID == server.traceContext.traceID)
            #expect(child.parentSpanID == server.traceContext.spanID)
            #expect(child.startNanoseconds >= server.startNanoseconds && child.endNanoseconds <= server.endNanoseconds)
        }
        #expect(spans[0].attributes.get("sku") == .string("SKU-00001"))
        #expect(Set(spans.map(\.traceContext.spanID)).count == 3)
    }

    /// A ratio keeps about that share of new traces, and exactly those whose trace id's last
    /// eight bytes fall under it (TraceIdRatioBased), so services sampling by the same ratio
    /// keep the same traces.
    @Test func aRatioKeepsNewTracesByTheirIdsLastEightBytes() throws {
        let sink = CollectingSink()
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 0.25), sink: sink)
        for _ in 0..<4000 { tracer.withSpan("new trace", ofKind: .server) { _ in } }
        let kept = sink.all
        // 4000 draws at 0.25: a standard deviation of 27; five of them either way.
        #expect(abs(kept.count - 1000) <= 137, "\(kept.count) of 4000 kept at 0.25")
        for span in kept {
            let low = withUnsafeBytes(of: span.traceContext.traceID.bytes) {
                UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            }
            #expect(low < UInt64.max / 4 + 1, "kept only under the ratio")
            #expect(span.traceContext.flags.contains(.sampled))
        }
        #expect(Set(kept.map(\.traceContext.traceID)).count == kept.count)
    }

    @Test func aRemoteParentCarriesItsTraceAndFlagsOn() throws {
        let sink = CollectingSink()
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 0), sink: sink)
        var context = InstrumentationContext.topLevel
        tracer.extract(["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "rojo=1"],
                       into: &context, using: DictionaryExtractor())
        #expect(context.spanIdentity?.isRemote == true)
        tracer.withSpan("GET /x", context: context, ofKind: .server) { _ in }
        // The sampler keeps no new trace, but a sampled parent is honoured.
        let span = try #require(sink.all.first)
        #expect(span.traceContext.traceID.description == "0af7651916cd43dd8448eb211c80319c")
        #expect(span.parentSpanID?.description == "b7ad6b7169203331")
        #expect(span.traceContext.traceStateHeaderValue == "rojo=1")
    }

    @Test func anUnsampledParentIsHonouredToo() {
        let sink = CollectingSink()
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 1), sink: sink)
        var context = InstrumentationContext.topLevel
        tracer.extract(["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"],
                       into: &context, using: DictionaryExtractor())
        tracer.withSpan("GET /x", context: context, ofKind: .server) { span in
            #expect(!span.isRecording)
            #expect(span.context.spanIdentity?.traceIDText == "0af7651916cd43dd8448eb211c80319c")
        }
        #expect(sink.all.isEmpty)
    }

    @Test func injectWritesTheSpanAsTheNextHopsParent() throws {
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 1), sink: CollectingSink())
        let span = tracer.startSpan("client", ofKind: .client)
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: DictionaryInjector())
        let identity = try #require(span.context.spanIdentity)
        #expect(carrier["traceparent"] == "00-\(identity.traceIDText)-\(identity.spanIDText)-01")
        #expect(carrier["tracestate"] == nil)
        span.end()
    }

    @Test func aSpanEndsOnceAndRecordsErrorsAsExceptionEvents() throws {
        struct Broken: Error {}
        let sink = CollectingSink()
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 1), sink: sink)
        let span = tracer.startSpan("work")
        span.recordError(Broken())
        span.setStatus(SpanStatus(code: .error, message: "broken"))
        span.end()
        span.end()
        #expect(sink.all.count == 1)
        let event = try #require(sink.all.first?.events.first)
        #expect(event.name == "exception")
        #expect(event.attributes.get("exception.type") == .string(String(reflecting: Broken.self)))
        #expect(sink.all.first?.status == SpanStatus(code: .error, message: "broken"))
    }

    @Test(arguments: [0.0, 0.01, 0.25, 0.5, 1.0])
    func newTracesAreSampledAtTheRatio(ratio: Double) {
        let sampler = TraceSampler(ratio: ratio)
        let count = 20_000
        let kept = (0..<count).filter { _ in sampler.isSampled(traceID: .random(), parentFlags: nil) }.count
        let share = Double(kept) / Double(count)
        #expect(abs(share - ratio) < 0.02, "kept \(share) for \(ratio)")
        #expect(sampler.isSampled(traceID: .random(), parentFlags: .sampled))
        #expect(!sampler.isSampled(traceID: .random(), parentFlags: []))
    }
}
