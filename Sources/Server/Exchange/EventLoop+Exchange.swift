import CEventShim
import Logging
import Synchronization

/// A request waiting for its answer, as the C shim knows it: an HTTP/1.1 connection or
/// an HTTP/2 stream. Only used on its loop.
struct ExchangeHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// A key for the loop's table of suspended handlers (unique while the exchange lives).
    var key: UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(pointer))) }
}

extension EventLoop {
    /// Called by the shim, on this loop's thread, for each complete request (HTTP/1.1 or
    /// HTTP/2, in one shape). Copies the request out of the shim's memory, then routes it
    /// and calls its route's responder: inline when it is synchronous, otherwise in a task
    /// started on this loop.
    func handleRequest(exchange: OpaquePointer, request shimRequest: UnsafePointer<es_request>) {
        // Whatever middleware published as running (`publishRunningRequest`) ran here: once
        // the request is answered or its task suspended, the loop runs it no more.
        defer { es_loop_clear_request(cLoop.unsafelyUnwrapped) }
        let request = Request(shim: shimRequest.pointee)
        let handle = ExchangeHandle(pointer: exchange)
        var context = RequestContext(connectionID: shimRequest.pointee.conn_id, loopIndex: index, logger: logger,
                                     receivedNanoseconds: shimRequest.pointee.received_ns)
        if shimRequest.pointee.proto == UInt8(ES_PROTO_HTTP2) {
            context.httpVersion = .http2
            context.streamID = shimRequest.pointee.stream_id
        }
        // Route first: the context gets the template and parameters, and the route's
        // responder (composed once, at build) says whether it needs a task.
        let responder = routes.responder(for: request, context: &context)
        // A synchronous handler behind synchronous middleware: a plain call, no task.
        if let response = Routes.answerWithoutTask(request, with: responder, context: &context) {
            send(response, on: handle)
            return
        }
        let task: Task<Void, Never>
        switch dispatch.base {
        case .inline:
            lastAnswered = nil
            task = Task.immediate(executorPreference: self) { [context] in
                var context = context
                let response = await Self.respond(responder, to: request, context: &context)
                self.send(response, on: handle)
            }
            // Answered without suspending (the common case): nothing to remember.
            if lastAnswered == handle.key { return }
        case .globalExecutor:
            task = Task { [context] in
                var context = context
                let response = await Self.respond(responder, to: request, context: &context)
                self.send(response, on: handle)
            }
        }
        // The handler suspended: keep its task, so that a client that goes away (a closed
        // connection, a reset stream) cancels it.
        suspended[handle.key] = task
    }

    /// Called by the shim when the client gave up on a request whose handler still runs.
    func cancelRequest(exchange: OpaquePointer) {
        suspended[ExchangeHandle(pointer: exchange).key]?.cancel()
    }

    /// Runs the responder; an error that escapes it (there is no recovery middleware, or
    /// it passed the error on) becomes its status or a 500.
    static func respond(_ responder: Responder, to request: Request, context: inout RequestContext) async -> Response {
        do {
            return try await responder.respond(to: request, context: &context)
        } catch {
            return Routes.lastResortResponse(for: error, context: context)
        }
    }

    /// Hands the response to the shim, on the loop thread.
    func send(_ response: Response, on handle: ExchangeHandle) {
        guard inEventLoop else {
            if stopped.load(ordering: .acquiring) {
                // Force-closed: every connection is closed, so the shim only frees it (into
                // the loop's pools: late answers from several threads take turns).
                lateAnswers.withLock { _ in
                    var nothing = es_response()
                    es_respond(handle.pointer, &nothing)
                }
                return
            }
            execute { self.send(response, on: handle) }
            return
        }
        lastAnswered = handle.key
        if !suspended.isEmpty { suspended.removeValue(forKey: handle.key) }
        // The fields cross as (pointer, length) pairs into the headers' own storage: the shim
        // writes them once, as HTTP/1.1 lines or as HTTP/2 header-list entries.
        response.headers.withUnsafeRecordBytes { headerBytes in
            fieldScratch.removeAll(keepingCapacity: true)
            if let base = headerBytes.baseAddress.map({ $0.assumingMemoryBound(to: CChar.self) }) {
                HTTPHeaders.forEachEntry(in: headerBytes) { entry in
                    fieldScratch.append(es_field(name: base + entry.nameStart, value: base + entry.valueStart,
                                                        name_len: UInt32(entry.nameLength), value_len: UInt32(entry.valueLength)))
                    return true
                }
            }
            fieldScratch.withUnsafeBufferPointer { fields in
                response.body.withUnsafeBytes { bodyBytes in
                    withContentType(response.contentType) { contentType in
                        var cResponse = es_response()
                        cResponse.status = UInt16(clamping: response.status.code)
                        cResponse.content_type = contentType.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                        cResponse.content_type_len = UInt32(contentType.count)
                        cResponse.fields = fields.baseAddress
                        cResponse.field_count = UInt32(fields.count)
                        cResponse.body = bodyBytes.baseAddress?.assumingMemoryBound(to: CChar.self)
                        cResponse.body_len = bodyBytes.count
                        es_respond(handle.pointer, &cResponse)
                    }
                }
            }
        }
    }
}

/// Calls `body` with the content type's bytes (empty when there is none).
private func withContentType<Result>(_ contentType: ContentType?, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    switch contentType?.storage {
    case .none:
        return body(UnsafeBufferPointer(start: nil, count: 0))
    case .literal(let text):
        return body(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    case .string(var text):
        return text.withUTF8(body)
    }
}

extension Request {
    /// Copies a request out of the shim's memory.
    init(shim request: es_request) {
        let method = HTTPMethod(shim: request.method)
        let target = String(shimBytes: request.target, request.target_len)
        // Usually the whole target (no query, not absolute-form): one string for both.
        let path = request.path == request.target && request.path_len == request.target_len
            ? target : String(shimBytes: request.path, request.path_len)
        let query = String(shimBytes: request.query, request.query_len)
        let authority = String(shimBytes: request.authority, request.authority_len)
        let headers = HTTPHeaders(shim: request.fields, count: Int(request.field_count))
        let bodyBytes = request.body_len > 0 ? Array(UnsafeRawBufferPointer(start: request.body, count: request.body_len)) : []
        self.init(method: method, target: target, path: path, query: query, authority: authority,
                  headers: headers, body: bodyBytes)
    }
}

extension HTTPMethod {
    init(shim method: es_method) {
        switch method {
        case ES_METHOD_HEAD: self = .head
        case ES_METHOD_POST: self = .post
        case ES_METHOD_PUT: self = .put
        case ES_METHOD_DELETE: self = .delete
        case ES_METHOD_OPTIONS: self = .options
        case ES_METHOD_PATCH: self = .patch
        case ES_METHOD_TRACE: self = .trace
        default: self = .get
        }
    }
}

extension HTTPHeaders {
    /// Copies the shim's header array into the records (inline when they fit).
    init(shim fields: UnsafePointer<es_field>?, count: Int) {
        guard let fields, count > 0 else {
            self.init()
            return
        }
        var text = 0
        for index in 0..<count { text += Int(fields[index].name_len) + Int(fields[index].value_len) }
        self.init(capacity: Self.recordBytes(fields: count, textBytes: text)) { headers in
            for index in 0..<count {
                let field = fields[index]
                headers.appendRecord(name: UnsafeRawBufferPointer(start: field.name, count: Int(field.name_len)),
                                     value: UnsafeRawBufferPointer(start: field.value, count: Int(field.value_len)))
            }
        }
    }
}

extension String {
    /// Decodes bytes that the parser already validated (ASCII, or obs-text in values).
    init(shimBytes pointer: UnsafePointer<CChar>?, _ count: UInt32) {
        guard let pointer, count > 0 else {
            self = ""
            return
        }
        self = String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(count)), as: UTF8.self)
    }
}
