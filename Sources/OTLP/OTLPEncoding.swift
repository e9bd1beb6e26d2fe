import Foundation
import RequestTracing
import SwiftProtobuf
import Tracing
import W3CTraceContext

/// Finished spans as an OTLP `ExportTraceServiceRequest` (opentelemetry-proto v1.11.0, the
/// messages generated once by protoc-gen-swift into `Generated/`; `scripts/generate-otlp.sh`
/// makes them again).
enum OTLPEncoding {
    /// One request body: the spans under one resource (`service.name`) and one scope.
    ///
    /// The three wrapping messages (`ExportTraceServiceRequest`, `ResourceSpans`,
    /// `ScopeSpans`) are written here as the length-delimited fields they are, around each
    /// span serialized by swift-protobuf on its own: swift-protobuf sizes a nested message
    /// again at every level above it, which made the wrapping cost more than the spans.
    static func request(_ spans: [FinishedSpan], serviceName: String, scopeVersion: String) throws -> Data {
        var resource = Opentelemetry_Proto_Resource_V1_Resource()
        resource.attributes = [keyValue("service.name", .stringValue(serviceName))]
        var scope = Opentelemetry_Proto_Common_V1_InstrumentationScope()
        scope.name = "orders"
        scope.version = scopeVersion
        var scopeSpans = Data()
        appendField(1, try scope.serializedData(), to: &scopeSpans)                 // ScopeSpans.scope
        for finished in spans { appendField(2, try span(finished).serializedData(), to: &scopeSpans) } // .spans
        var resourceSpans = Data()
        appendField(1, try resource.serializedData(), to: &resourceSpans)           // ResourceSpans.resource
        appendField(2, scopeSpans, to: &resourceSpans)                              // .scope_spans
        var request = Data()
        appendField(1, resourceSpans, to: &request)                                 // ExportTraceServiceRequest.resource_spans
        return request
    }

    /// A length-delimited field (wire type 2): the tag, the length as a varint, the bytes.
    static func appendField(_ number: UInt64, _ bytes: Data, to out: inout Data) {
        appendVarint(number << 3 | 2, to: &out)
        appendVarint(UInt64(bytes.count), to: &out)
        out.append(bytes)
    }

    static func appendVarint(_ value: UInt64, to out: inout Data) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    static func span(_ finished: FinishedSpan) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = withUnsafeBytes(of: finished.traceContext.traceID.bytes) { Data($0) }
        span.spanID = withUnsafeBytes(of: finished.traceContext.spanID.bytes) { Data($0) }
        if let parent = finished.parentSpanID { span.parentSpanID = withUnsafeBytes(of: parent.bytes) { Data($0) } }
        span.traceState = finished.traceContext.traceStateHeaderValue ?? ""
        span.flags = UInt32(finished.traceContext.flags.rawValue)
        span.name = finished.name
        span.kind = kind(finished.kind)
        span.startTimeUnixNano = finished.startNanoseconds
        span.endTimeUnixNano = finished.endNanoseconds
        span.attributes = keyValues(finished.attributes)
        span.events = finished.events.map { event in
            var out = Opentelemetry_Proto_Trace_V1_Span.Event()
            out.name = event.name
            out.timeUnixNano = event.nanosecondsSinceEpoch
            out.attributes = keyValues(event.attributes)
            return out
        }
        span.links = finished.links.compactMap { link in
            guard let identity = link.context.spanIdentity else { return nil }
            var out = Opentelemetry_Proto_Trace_V1_Span.Link()
            out.traceID = withUnsafeBytes(of: identity.traceContext.traceID.bytes) { Data($0) }
            out.spanID = withUnsafeBytes(of: identity.traceContext.spanID.bytes) { Data($0) }
            out.attributes = keyValues(link.attributes)
            return out
        }
        if let status = finished.status {
            var out = Opentelemetry_Proto_Trace_V1_Status()
            out.code = status.code == .ok ? .ok : .error
            out.message = status.message ?? ""
            span.status = out
        }
        return span
    }

    static func kind(_ kind: SpanKind) -> Opentelemetry_Proto_Trace_V1_Span.SpanKind {
        switch kind {
        case .server: .server
        case .client: .client
        case .producer: .producer
        case .consumer: .consumer
        case .internal: .internal
        }
    }

    static func keyValues(_ attributes: SpanAttributes) -> [Opentelemetry_Proto_Common_V1_KeyValue] {
        var out: [Opentelemetry_Proto_Common_V1_KeyValue] = []
        attributes.forEach { name, attribute in out.append(keyValue(name, anyValue(attribute))) }
        return out.sorted { $0.key < $1.key }
    }

    static func keyValue(_ key: String, _ value: Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var any = Opentelemetry_Proto_Common_V1_AnyValue()
        any.value = value
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        pair.value = any
        return pair
    }

    static func anyValue(_ attribute: SpanAttribute) -> Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value {
        func array(_ values: [Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value]) -> Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value {
            var list = Opentelemetry_Proto_Common_V1_ArrayValue()
            list.values = values.map { value in
                var any = Opentelemetry_Proto_Common_V1_AnyValue()
                any.value = value
                return any
            }
            return .arrayValue(list)
        }
        switch attribute {
        case .int32(let value): return .intValue(Int64(value))
        case .int64(let value): return .intValue(value)
        case .double(let value): return .doubleValue(value)
        case .bool(let value): return .boolValue(value)
        case .string(let value): return .stringValue(value)
        case .stringConvertible(let value): return .stringValue(value.description)
        case .int32Array(let values): return array(values.map { .intValue(Int64($0)) })
        case .int64Array(let values): return array(values.map { .intValue($0) })
        case .doubleArray(let values): return array(values.map { .doubleValue($0) })
        case .boolArray(let values): return array(values.map { .boolValue($0) })
        case .stringArray(let values): return array(values.map { .stringValue($0) })
        case .stringConvertibleArray(let values): return array(values.map { .stringValue($0.description) })
        default: return .stringValue("\(attribute)")
        }
    }
}
