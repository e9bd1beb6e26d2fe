import ProtobufWire
import RequestTracing
import SwiftProtobuf
import Tracing
import W3CTraceContext

/// Finished spans in OTLP's protobuf encoding (opentelemetry-proto v1.11.0).
///
/// Each span is written straight into the exporter's queue, as the bytes of one `Span`
/// message, on the thread that ends it: no message structs, no allocation, and nothing
/// allocated on a loop is freed on the exporter's thread. swift-protobuf's generated
/// messages (`Generated/`, made by `scripts/generate-otlp.sh`) write the parts that are
/// the same in every request (the resource and the instrumentation scope) once, and the
/// tests decode every span written here with them. Building a generated `Span` per span
/// cost about 5 µs of the exporter's CPU per span, 25% of an order-map request's whole cost;
/// writing it here costs a fraction of that (docs/PERFORMANCE.md).
///
/// Field numbers are those of `opentelemetry/proto/trace/v1/trace.proto` and
/// `common/v1/common.proto`, named where they are written.
package enum OTLPEncoding {
    /// The bytes every request body starts its `ResourceSpans` with: the resource
    /// (`service.name`) and, for its one `ScopeSpans`, the scope (`orders`, the version).
    struct Header {
        /// `ResourceSpans.resource` (field 1), key and length included.
        let resourceField: [UInt8]
        /// `ScopeSpans.scope` (field 1), key and length included.
        let scopeField: [UInt8]

        /// The header for a service, made once by swift-protobuf.
        init(serviceName: String, scopeVersion: String) throws {
            var resource = Opentelemetry_Proto_Resource_V1_Resource()
            var name = Opentelemetry_Proto_Common_V1_KeyValue()
            name.key = "service.name"
            name.value.stringValue = serviceName
            resource.attributes = [name]
            var scope = Opentelemetry_Proto_Common_V1_InstrumentationScope()
            scope.name = "orders"
            scope.version = scopeVersion
            resourceField = OTLPEncoding.field(1, try resource.serializedBytes())
            scopeField = OTLPEncoding.field(1, try scope.serializedBytes())
        }
    }

    /// A length-delimited field around `content`.
    static func field(_ number: UInt64, _ content: [UInt8]) -> [UInt8] {
        var writer = ProtobufWriter(bytes: [])
        writer.appendLengthDelimitedHeader(number, length: content.count)
        writer.bytes.append(contentsOf: content)
        return writer.bytes
    }

    /// One `ExportTraceServiceRequest` holding the spans whose `Span` messages lie back to
    /// back in `spans`, ending at the offsets in `ends` (the first starts at `start`).
    static func request(header: Header, spans: UnsafeRawBufferPointer, start: Int, ends: some Collection<Int>,
                        into body: inout [UInt8]) {
        var scopeSpansLength = header.scopeField.count
        var previous = start
        for end in ends {
            scopeSpansLength += ProtobufWriter.lengthDelimitedSize(2, length: end - previous)  // ScopeSpans.spans
            previous = end
        }
        let resourceSpansLength = header.resourceField.count
            + ProtobufWriter.lengthDelimitedSize(2, length: scopeSpansLength)                   // ResourceSpans.scope_spans
        var writer = ProtobufWriter(bytes: [])
        swap(&writer.bytes, &body)
        writer.bytes.removeAll(keepingCapacity: true)
        writer.bytes.reserveCapacity(ProtobufWriter.lengthDelimitedSize(1, length: resourceSpansLength))
        writer.appendLengthDelimitedHeader(1, length: resourceSpansLength)  // ExportTraceServiceRequest.resource_spans
        writer.bytes.append(contentsOf: header.resourceField)
        writer.appendLengthDelimitedHeader(2, length: scopeSpansLength)
        writer.bytes.append(contentsOf: header.scopeField)
        previous = start
        for end in ends {
            writer.appendLengthDelimitedHeader(2, length: end - previous)
            writer.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: spans[previous..<end]))
            previous = end
        }
        swap(&writer.bytes, &body)
    }

    // MARK: Span

    /// Calls `body` with `span` encoded as the content of one `Span` message, in memory on
    /// the stack: written in one pass into a kilobyte, which a server span and the usual
    /// child span fit with room to spare; a larger one is counted, then written into memory
    /// of its exact size. The exporter copies the bytes into its queue under the lock in
    /// one move, so the lock is held for a copy, not for the encoding.
    package static func withEncodedSpan<Result>(_ span: FinishedSpan, heads: SpanHeads? = nil,
                                                _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let fitted: Result? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buffer in
            var cursor = ProtobufCursor(buffer)
            appendSpan(span, to: &cursor, heads: heads)
            guard !cursor.overflowed else { return nil }
            return body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: cursor.next - buffer.baseAddress!))
        }
        if let fitted { return fitted }
        var counter = ProtobufCounter()
        appendSpan(span, to: &counter, heads: heads)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: counter.count) { buffer in
            var cursor = ProtobufCursor(buffer)
            appendSpan(span, to: &cursor, heads: heads)
            precondition(!cursor.overflowed && cursor.next - buffer.baseAddress! == counter.count,
                         "a span's size and its bytes disagree")
            return body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// `withEncodedSpan` for a body that returns nothing, compiled here, specialized: what
    /// a benchmark outside this module calls to pay what the exporter's queue pays per span
    /// (a generic call from another module would run the unspecialized encoder).
    package static func withEncodedSpanBytes(_ span: FinishedSpan, heads: SpanHeads?, _ body: (UnsafeRawBufferPointer) -> Void) {
        withEncodedSpan(span, heads: heads, body)
    }

    /// Appends `span` as the content of one `Span` message (without a key or length: the
    /// request adds them); a server span's head comes from `heads` when given.
    package static func appendSpan(_ span: FinishedSpan, to writer: inout some ProtobufOutput, heads: SpanHeads? = nil) {
        let context = span.traceContext
        withUnsafeBytes(of: context.traceID.bytes) { writer.appendBytesField(1, $0) }          // trace_id
        withUnsafeBytes(of: context.spanID.bytes) { writer.appendBytesField(2, $0) }           // span_id
        if let state = context.traceStateHeaderValue, !state.isEmpty {
            writer.appendStringField(3, state)                                                   // trace_state
        }
        if let parent = span.parentSpanID {
            withUnsafeBytes(of: parent.bytes) { writer.appendBytesField(4, $0) }               // parent_span_id
        }
        // Name, kind and the route's attributes (fields 5, 6, 9): the head.
        if let http = span.http, let heads {
            heads.append(span.spanName, span.kind, http, to: &writer)
        } else {
            appendHead(span.spanName, span.kind, span.http, to: &writer)
        }
        writer.appendFixed64Field(7, span.startNanoseconds)                                      // start_time_unix_nano
        writer.appendFixed64Field(8, span.endNanoseconds)                                        // end_time_unix_nano
        if let http = span.http { appendRequestAttributes(http, to: &writer) }                  // attributes
        if !span.otherAttributes.isEmpty {  // a server span's are usually all HTTP ones
            span.otherAttributes.forEach { key, value in appendKeyValue(9, key, value, to: &writer) }
        }
        for event in span.events { appendEvent(event, to: &writer) }                             // events (11)
        for link in span.links { appendLink(link, to: &writer) }                                 // links (13)
        if let status = span.status { appendStatus(status, to: &writer) }                        // status (15)
        // flags: the W3C trace flags, and whether the parent is remote (bits 8 and 9, the
        // "has is-remote" and "is remote" bits), known for every span here.
        let remote: UInt32 = span.parentIsRemote == true ? 0x300 : 0x100
        writer.appendFixed32Field(16, UInt32(context.flags.rawValue) | remote)
    }

    /// The name, written from its parts: `GET`, a space and the route for a server span.
    static func appendName(_ name: SpanName, to writer: inout some ProtobufOutput) {
        let length = name.utf8Count
        guard length > 0 else { return }
        writer.appendLengthDelimitedHeader(5, length: length)
        if !name.method.isEmpty {
            writer.appendUTF8(name.method)
            writer.appendByte(UInt8(ascii: " "))
        }
        writer.appendUTF8(name.text)
    }

    /// `Span.SpanKind`'s numbers.
    static func kindNumber(_ kind: SpanKind) -> UInt64 {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }

    /// An event (`Span.Event`: time 1, name 2, attributes 3).
    static func appendEvent(_ event: SpanEvent, to writer: inout some ProtobufOutput) {
        var length = 0
        if event.nanosecondsSinceEpoch != 0 { length += ProtobufWriter.keySize(1) + 8 }
        if !event.name.isEmpty { length += ProtobufWriter.lengthDelimitedSize(2, length: event.name.utf8.count) }
        let attributes = normalized(event.attributes)
        for (key, value) in attributes { length += keyValueSize(3, key, value) }
        writer.appendLengthDelimitedHeader(11, length: length)
        if event.nanosecondsSinceEpoch != 0 { writer.appendFixed64Field(1, event.nanosecondsSinceEpoch) }
        if !event.name.isEmpty { writer.appendStringField(2, event.name) }
        for (key, value) in attributes { appendNormalizedKeyValue(3, key, value, to: &writer) }
    }

    /// A link (`Span.Link`: trace id 1, span id 2, trace state 3, attributes 4, flags 6); a
    /// link to a context that names no span is left out.
    static func appendLink(_ link: SpanLink, to writer: inout some ProtobufOutput) {
        guard let identity = link.context.spanIdentity else { return }
        let state = identity.traceContext.traceStateHeaderValue ?? ""
        let attributes = normalized(link.attributes)
        var length = ProtobufWriter.lengthDelimitedSize(1, length: 16) + ProtobufWriter.lengthDelimitedSize(2, length: 8)
        if !state.isEmpty { length += ProtobufWriter.lengthDelimitedSize(3, length: state.utf8.count) }
        for (key, value) in attributes { length += keyValueSize(4, key, value) }
        length += ProtobufWriter.keySize(6) + 4
        writer.appendLengthDelimitedHeader(13, length: length)
        withUnsafeBytes(of: identity.traceContext.traceID.bytes) { writer.appendBytesField(1, $0) }
        withUnsafeBytes(of: identity.traceContext.spanID.bytes) { writer.appendBytesField(2, $0) }
        if !state.isEmpty { writer.appendStringField(3, state) }
        for (key, value) in attributes { appendNormalizedKeyValue(4, key, value, to: &writer) }
        writer.appendFixed32Field(6, UInt32(identity.traceContext.flags.rawValue) | (identity.isRemote ? 0x300 : 0x100))
    }

    /// The status (`Status`: message 2, code 3).
    static func appendStatus(_ status: SpanStatus, to writer: inout some ProtobufOutput) {
        let message = status.message ?? ""
        let code: UInt64 = status.code == .ok ? 1 : 2
        var length = ProtobufWriter.varintFieldSize(3, code)
        if !message.isEmpty { length += ProtobufWriter.lengthDelimitedSize(2, length: message.utf8.count) }
        writer.appendLengthDelimitedHeader(15, length: length)
        if !message.isEmpty { writer.appendStringField(2, message) }
        writer.appendVarintField(3, code)
    }

    // MARK: Attributes

    /// A server span's HTTP attributes are written from their typed fields (no `SpanAttribute`
    /// values made), in two parts: those its route's every request shares, in the span's
    /// head, and those of the request.
    static func appendRouteAttributes(_ http: HTTPServerAttributes, to writer: inout some ProtobufOutput) {
        typealias Key = HTTPServerAttributes.Key
        appendStringAttribute(Key.method, http.method, to: &writer)
        appendStringAttribute(Key.route, http.route, to: &writer)
        appendStringAttribute(Key.protocolVersion, http.protocolVersion, to: &writer)
        appendIntAttribute(Key.serverPort, Int64(http.serverPort), to: &writer)
    }

    /// The request's own HTTP attributes: its path, its status and what went wrong.
    static func appendRequestAttributes(_ http: HTTPServerAttributes, to writer: inout some ProtobufOutput) {
        typealias Key = HTTPServerAttributes.Key
        appendStringAttribute(Key.path, http.path, to: &writer)
        if let status = http.statusCode { appendIntAttribute(Key.statusCode, Int64(status), to: &writer) }
        if let errorType = http.errorType { appendStringAttribute(Key.errorType, errorType, to: &writer) }
    }

    /// A string attribute as a `Span.attributes` `KeyValue`.
    static func appendStringAttribute(_ key: String, _ value: String, to writer: inout some ProtobufOutput) {
        let valueSize = ProtobufWriter.lengthDelimitedSize(1, length: value.utf8.count)
        writer.appendLengthDelimitedHeader(9, length: ProtobufWriter.lengthDelimitedSize(1, length: key.utf8.count)
                                              + ProtobufWriter.lengthDelimitedSize(2, length: valueSize))
        writer.appendStringField(1, key)
        writer.appendLengthDelimitedHeader(2, length: valueSize)
        writer.appendStringField(1, value)
    }

    /// An integer attribute as a `Span.attributes` `KeyValue`.
    static func appendIntAttribute(_ key: String, _ value: Int64, to writer: inout some ProtobufOutput) {
        let valueSize = ProtobufWriter.varintFieldSize(3, UInt64(bitPattern: value))
        writer.appendLengthDelimitedHeader(9, length: ProtobufWriter.lengthDelimitedSize(1, length: key.utf8.count)
                                              + ProtobufWriter.lengthDelimitedSize(2, length: valueSize))
        writer.appendStringField(1, key)
        writer.appendLengthDelimitedHeader(2, length: valueSize)
        writer.appendVarintField(3, UInt64(bitPattern: value))
    }

    /// An attribute as a `KeyValue` in field `field`.
    static func appendKeyValue(_ field: UInt64, _ key: String, _ value: SpanAttribute, to writer: inout some ProtobufOutput) {
        appendNormalizedKeyValue(field, key, normalized(value), to: &writer)
    }

    /// The attributes with every value made into one `keyValueSize` and
    /// `appendNormalizedKeyValue` can write (a description is taken once, since it could
    /// differ between two calls).
    static func normalized(_ attributes: SpanAttributes) -> [(String, SpanAttribute)] {
        var out: [(String, SpanAttribute)] = []
        attributes.forEach { key, value in out.append((key, normalized(value))) }
        return out
    }

    static func normalized(_ value: SpanAttribute) -> SpanAttribute {
        switch value {
        case .int32, .int64, .double, .bool, .string, .int32Array, .int64Array, .doubleArray, .boolArray, .stringArray:
            value
        case .stringConvertible(let value): .string(value.description)
        case .stringConvertibleArray(let values): .stringArray(values.map(\.description))
        default: .string("\(value)")
        }
    }

    /// Bytes of a `KeyValue` field (key 1, value 2) holding a normalized value.
    static func keyValueSize(_ field: UInt64, _ key: String, _ value: SpanAttribute) -> Int {
        let content = ProtobufWriter.lengthDelimitedSize(1, length: key.utf8.count)
            + ProtobufWriter.lengthDelimitedSize(2, length: anyValueSize(value))
        return ProtobufWriter.lengthDelimitedSize(field, length: content)
    }

    static func appendNormalizedKeyValue(_ field: UInt64, _ key: String, _ value: SpanAttribute, to writer: inout some ProtobufOutput) {
        let valueSize = anyValueSize(value)
        writer.appendLengthDelimitedHeader(field, length: ProtobufWriter.lengthDelimitedSize(1, length: key.utf8.count)
                                                  + ProtobufWriter.lengthDelimitedSize(2, length: valueSize))
        writer.appendStringField(1, key)
        writer.appendLengthDelimitedHeader(2, length: valueSize)
        appendAnyValue(value, to: &writer)
    }

    /// Bytes of an `AnyValue`'s content: string 1, bool 2, int 3, double 4, array 5
    /// (`ArrayValue.values`, field 1). A oneof member is written even when it is zero.
    static func anyValueSize(_ value: SpanAttribute) -> Int {
        switch value {
        case .string(let text): ProtobufWriter.lengthDelimitedSize(1, length: text.utf8.count)
        case .bool: 2
        case .int32(let number): ProtobufWriter.varintFieldSize(3, UInt64(bitPattern: Int64(number)))
        case .int64(let number): ProtobufWriter.varintFieldSize(3, UInt64(bitPattern: number))
        case .double: 9
        case .int32Array(let values): ProtobufWriter.lengthDelimitedSize(5, length: arraySize(values.map { .int32($0) }))
        case .int64Array(let values): ProtobufWriter.lengthDelimitedSize(5, length: arraySize(values.map { .int64($0) }))
        case .doubleArray(let values): ProtobufWriter.lengthDelimitedSize(5, length: arraySize(values.map { .double($0) }))
        case .boolArray(let values): ProtobufWriter.lengthDelimitedSize(5, length: arraySize(values.map { .bool($0) }))
        case .stringArray(let values): ProtobufWriter.lengthDelimitedSize(5, length: arraySize(values.map { .string($0) }))
        default: preconditionFailure("an attribute value is normalized before it is sized")
        }
    }

    static func arraySize(_ values: [SpanAttribute]) -> Int {
        values.reduce(0) { $0 + ProtobufWriter.lengthDelimitedSize(1, length: anyValueSize($1)) }
    }

    static func appendAnyValue(_ value: SpanAttribute, to writer: inout some ProtobufOutput) {
        switch value {
        case .string(let text): writer.appendStringField(1, text)
        case .bool(let flag): writer.appendVarintField(2, flag ? 1 : 0)
        case .int32(let number): writer.appendVarintField(3, UInt64(bitPattern: Int64(number)))
        case .int64(let number): writer.appendVarintField(3, UInt64(bitPattern: number))
        case .double(let number): writer.appendFixed64Field(4, number.bitPattern)
        case .int32Array(let values): appendArray(values.map { .int32($0) }, to: &writer)
        case .int64Array(let values): appendArray(values.map { .int64($0) }, to: &writer)
        case .doubleArray(let values): appendArray(values.map { .double($0) }, to: &writer)
        case .boolArray(let values): appendArray(values.map { .bool($0) }, to: &writer)
        case .stringArray(let values): appendArray(values.map { .string($0) }, to: &writer)
        default: preconditionFailure("an attribute value is normalized before it is written")
        }
    }

    static func appendArray(_ values: [SpanAttribute], to writer: inout some ProtobufOutput) {
        writer.appendLengthDelimitedHeader(5, length: arraySize(values))
        for value in values {
            writer.appendLengthDelimitedHeader(1, length: anyValueSize(value))
            appendAnyValue(value, to: &writer)
        }
    }
}
