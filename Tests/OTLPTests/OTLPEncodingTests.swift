import Foundation
@testable import OTLP
import ProtobufWire
import RequestTracing
import SwiftProtobuf
import Synchronization
import Testing
import Tracing
import W3CTraceContext

/// Keeps the spans a tracer ends.
final class KeepingSink: SpanSink {
    let spans = Mutex<[FinishedSpan]>([])
    func record(_ span: FinishedSpan) { spans.withLock { $0.append(span) } }
    func flush() {}
    var all: [FinishedSpan] { spans.withLock { $0 } }
}

private struct Described: CustomStringConvertible, Sendable {
    var description: String { "described" }
}

/// The hand-written span encoding, read back with swift-protobuf's generated messages (the
/// decoder every OTLP collector's protobuf library agrees with): each kind of field and
/// value, the nesting lengths, and the request's wrapping.
struct OTLPEncodingTests {
    /// Spans made through the tracer's API, as handlers make them, then one request body.
    func encode(_ make: (RequestTracer) throws -> Void) throws -> (Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest, [FinishedSpan]) {
        let sink = KeepingSink()
        try make(RequestTracer(sampler: TraceSampler(ratio: 1), sink: sink))
        var spans: [UInt8] = []
        var ends: [Int] = []
        let heads = OTLPEncoding.SpanHeads()
        for finished in sink.all {
            // The exporter's path (its server spans' heads cached, the span counted, then
            // written into memory of that size), checked byte for byte against the same
            // encoder appending to an array, every head written in place.
            var writer = ProtobufWriter(bytes: [])
            OTLPEncoding.appendSpan(finished, to: &writer)
            let encoded = OTLPEncoding.withEncodedSpan(finished, heads: heads) { Array($0) }
            #expect(encoded == writer.bytes)
            spans.append(contentsOf: encoded)
            ends.append(spans.count)
        }
        var body: [UInt8] = []
        let header = try OTLPEncoding.Header(serviceName: "orders-test", scopeVersion: "9.9.9")
        spans.withUnsafeBytes { OTLPEncoding.request(header: header, spans: $0, start: 0, ends: ends, into: &body) }
        return (try .init(serializedBytes: body), sink.all)
    }

    @Test func aServerSpanWithARemoteParentDecodesFieldForField() throws {
        let (request, finished) = try encode { tracer in
            let parent = TraceContextHeaders.extract(traceparent: ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
                                                     tracestate: ["rojo=00f067aa0ba902b7"])
            let span = tracer.startServerSpan(
                HTTPServerAttributes(method: "GET", route: "/api/v1/order/map", path: "/api/v1/order/map",
                                     protocolVersion: "2", serverPort: 8080),
                remoteParent: try #require(parent), nanosecondsSinceEpoch: 1_700_000_000_123_456_789)
            span.setHTTPResponseStatus(503)
            span.end()
        }
        let resource = try #require(request.resourceSpans.first)
        #expect(resource.resource.attributes.map(\.key) == ["service.name"])
        #expect(resource.resource.attributes.first?.value.stringValue == "orders-test")
        let scope = try #require(resource.scopeSpans.first)
        #expect(scope.scope.name == "orders" && scope.scope.version == "9.9.9")
        let span = try #require(scope.spans.first)
        let source = try #require(finished.first)
        #expect(span.traceID == Data(hex: "0af7651916cd43dd8448eb211c80319c"))
        #expect(span.spanID == withUnsafeBytes(of: source.traceContext.spanID.bytes) { Data($0) })
        #expect(span.parentSpanID == Data(hex: "b7ad6b7169203331"))
        #expect(span.traceState == "rojo=00f067aa0ba902b7")
        #expect(span.name == "GET /api/v1/order/map")
        #expect(span.kind == .server)
        #expect(span.startTimeUnixNano == 1_700_000_000_123_456_789)
        #expect(span.endTimeUnixNano == source.endNanoseconds)
        // Sampled, and the parent is remote (OTLP's bits 8 and 9).
        #expect(span.flags == 0x301)
        let attributes = Dictionary(uniqueKeysWithValues: span.attributes.map { ($0.key, $0.value.value) })
        #expect(attributes == [
            "http.request.method": .stringValue("GET"), "http.route": .stringValue("/api/v1/order/map"),
            "url.path": .stringValue("/api/v1/order/map"), "network.protocol.version": .stringValue("2"),
            "server.port": .intValue(8080), "http.response.status_code": .intValue(503), "error.type": .stringValue("503"),
        ])
        #expect(span.status.code == .error)
    }

    @Test func everyKindOfAttributeEventLinkAndStatusDecodes() throws {
        let (request, _) = try encode { tracer in
            let linked = tracer.startSpan("linked")
            linked.end()
            let span = tracer.startSpan("work", ofKind: .client)
            span.attributes = [
                "int32": .int32(-7), "int64": .int64(Int64.min), "double": .double(2.5), "bool": .bool(false),
                "string": .string(""), "unicode": .string("grüße ✓"), "described": .stringConvertible(Described()),
                "int64s": .int64Array([1, -1, 300]), "doubles": .doubleArray([0.5]), "bools": .boolArray([true, false]),
                "strings": .stringArray(["a", "bc"]), "nothing": .stringArray([]),
            ]
            span.addEvent(SpanEvent(name: "retry", at: DefaultTracerClock.now, attributes: ["attempt": .int64(2)]))
            span.addEvent(SpanEvent(name: "", at: DefaultTracerClock.now))
            span.addLink(SpanLink(context: linked.context, attributes: ["why": .string("fan-in")]))
            span.setStatus(SpanStatus(code: .error, message: "upstream said no"))
            span.end()
        }
        let spans = try #require(request.resourceSpans.first?.scopeSpans.first?.spans)
        #expect(spans.map(\.name) == ["linked", "work"])
        let linked = spans[0], span = spans[1]
        #expect(linked.kind == .internal && linked.parentSpanID.isEmpty && linked.flags == 0x101)
        #expect(span.kind == .client)
        let attributes = Dictionary(uniqueKeysWithValues: span.attributes.map { ($0.key, $0.value) })
        #expect(attributes["int32"]?.intValue == -7)
        #expect(attributes["int64"]?.intValue == Int64.min)
        #expect(attributes["double"]?.doubleValue == 2.5)
        #expect(attributes["bool"]?.value == .boolValue(false))
        #expect(attributes["string"]?.value == .stringValue(""))
        #expect(attributes["unicode"]?.stringValue == "grüße ✓")
        #expect(attributes["described"]?.stringValue == "described")
        #expect(attributes["int64s"]?.arrayValue.values.map(\.intValue) == [1, -1, 300])
        #expect(attributes["doubles"]?.arrayValue.values.map(\.doubleValue) == [0.5])
        #expect(attributes["bools"]?.arrayValue.values.map(\.boolValue) == [true, false])
        #expect(attributes["strings"]?.arrayValue.values.map(\.stringValue) == ["a", "bc"])
        #expect(attributes["nothing"]?.value == .arrayValue(Opentelemetry_Proto_Common_V1_ArrayValue()))
        #expect(span.events.map(\.name) == ["retry", ""])
        #expect(span.events[0].attributes.first?.key == "attempt" && span.events[0].attributes.first?.value.intValue == 2)
        #expect(span.events.allSatisfy { $0.timeUnixNano >= span.startTimeUnixNano })
        let link = try #require(span.links.first)
        #expect(link.traceID == linked.traceID && link.spanID == linked.spanID)
        #expect(link.attributes.first?.value.stringValue == "fan-in")
        #expect(link.flags == 0x101)
        #expect(span.status.code == .error && span.status.message == "upstream said no")
    }

    /// A span is written into a kilobyte on the stack; one that does not fit (or only just
    /// does not) is counted and written again at its exact size, byte for byte the same.
    @Test(arguments: [10, 900, 1000, 1024, 5000])
    func aSpanLargerThanTheStackBufferIsWrittenWhole(valueLength: Int) throws {
        let value = String(repeating: "x", count: valueLength)
        let (request, _) = try encode { tracer in
            tracer.withSpan("large") { $0.attributes["payload"] = value }
        }
        let span = try #require(request.resourceSpans.first?.scopeSpans.first?.spans.first)
        #expect(span.attributes.first { $0.key == "payload" }?.value.stringValue == value)
    }

    /// A server span's head (its name, kind and route attributes) is written once per
    /// route and copied into the route's later spans: one head per route and method, each
    /// request's own path and status still its own, a renamed span's name kept, and past
    /// the cache's capacity a head is written per span. Cached or not, the bytes are the same.
    @Test func serverSpansOfARouteShareOneEncodedHead() throws {
        let sink = KeepingSink()
        let tracer = RequestTracer(sampler: TraceSampler(ratio: 1), sink: sink)
        func serve(_ method: String, _ route: String, _ path: String, status: Int, renamed: String? = nil) {
            let span = tracer.startServerSpan(
                HTTPServerAttributes(method: method, route: route, path: path, protocolVersion: "1.1", serverPort: 8080),
                remoteParent: nil, nanosecondsSinceEpoch: 1_700_000_000_000_000_000)
            if let renamed { span.operationName = renamed }
            span.setHTTPResponseStatus(status)
            span.end()
        }
        serve("GET", "/api/v1/order/map", "/api/v1/order/map", status: 200)
        serve("GET", "/api/v1/order/map", "/api/v1/order/map/", status: 503)
        serve("POST", "/api/v1/order/map", "/api/v1/order/map", status: 405)
        serve("GET", "/api/v1/user/fetch", "/api/v1/user/fetch", status: 404)
        serve("GET", "/api/v1/user/fetch", "/api/v1/user/fetch", status: 200, renamed: "fetch the user")
        let heads = OTLPEncoding.SpanHeads()
        var decoded: [Opentelemetry_Proto_Trace_V1_Span] = []
        for finished in sink.all {
            for _ in 0..<2 {  // the head written and kept, then copied
                var writer = ProtobufWriter(bytes: [])
                OTLPEncoding.appendSpan(finished, to: &writer)
                let cached = OTLPEncoding.withEncodedSpan(finished, heads: heads) { Array($0) }
                #expect(cached == writer.bytes)
            }
            decoded.append(try Opentelemetry_Proto_Trace_V1_Span(
                serializedBytes: OTLPEncoding.withEncodedSpan(finished, heads: heads) { Array($0) }))
        }
        #expect(heads.count == 4)
        #expect(decoded.map(\.name) == ["GET /api/v1/order/map", "GET /api/v1/order/map", "POST /api/v1/order/map",
                                        "GET /api/v1/user/fetch", "fetch the user"])
        func attribute(_ span: Opentelemetry_Proto_Trace_V1_Span, _ key: String) -> Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value? {
            span.attributes.first { $0.key == key }?.value.value
        }
        #expect(decoded.map { attribute($0, "url.path") } == [
            "/api/v1/order/map", "/api/v1/order/map/", "/api/v1/order/map", "/api/v1/user/fetch", "/api/v1/user/fetch",
        ].map { .stringValue($0) })
        #expect(decoded.map { attribute($0, "http.response.status_code") } == [200, 503, 405, 404, 200].map { .intValue($0) })
        #expect(decoded.map { attribute($0, "error.type") } == [nil, .stringValue("503"), nil, nil, nil])
        #expect(decoded.allSatisfy { attribute($0, "server.port") == .intValue(8080) && $0.kind == .server })

        // A method is whatever token a client sends: past the capacity, heads are not kept.
        sink.spans.withLock { $0.removeAll() }
        for index in 0..<(OTLPEncoding.SpanHeads.capacity + 10) {
            serve("M\(index)", "/api/v1/order/map", "/api/v1/order/map", status: 405)
        }
        for finished in sink.all {
            var writer = ProtobufWriter(bytes: [])
            OTLPEncoding.appendSpan(finished, to: &writer)
            #expect(OTLPEncoding.withEncodedSpan(finished, heads: heads) { Array($0) } == writer.bytes)
        }
        #expect(heads.count == OTLPEncoding.SpanHeads.capacity)
    }

    @Test func manySpansShareOneScopeInOrder() throws {
        let (request, finished) = try encode { tracer in
            for index in 0..<300 { tracer.withSpan("span-\(index)") { $0.attributes["index"] = index } }
        }
        #expect(request.resourceSpans.count == 1 && request.resourceSpans[0].scopeSpans.count == 1)
        let spans = request.resourceSpans[0].scopeSpans[0].spans
        #expect(spans.map(\.name) == finished.map(\.name))
        #expect(spans.map { $0.attributes.first?.value.intValue } == (0..<300).map { Int64($0) })
    }
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}
