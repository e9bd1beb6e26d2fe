import Logging

extension Routes {
    /// Matches `request`, records the route template and parameters in `context`, and
    /// returns the responder to call: the route's, or its 404, 405 or OPTIONS answer.
    public func responder(for request: Request, context: inout RequestContext) -> Responder {
        guard let (node, parameters) = node(for: request.path) else {
            context.route = RequestContext.unmatchedRoute
            return notFound
        }
        return responder(at: node, method: request.method, parameters: parameters, context: &context)
    }

    /// Matches `request` and answers it through its route's responder, on the caller's
    /// task: for tests and for callers outside the server.
    public func respond(to request: Request, context: RequestContext) async throws -> Response {
        var context = context
        return try await responder(for: request, context: &context).respond(to: request, context: &context)
    }

    /// Answers `request` with `responder` by a plain call on this thread when the responder
    /// is synchronous, as the server answers a synchronous route: `runsInTask` false, and an
    /// error that escaped every middleware answered by `lastResortResponse`. `nil` when the
    /// responder needs a task. The event loop, `TestClient` and `chain-bench` all answer so.
    @inlinable @inline(__always)
    public static func answerWithoutTask(_ request: Request, with responder: Responder,
                                         context: inout RequestContext) -> Response? {
        guard let answer = responder.synchronousBody else { return nil }
        context.markAnsweredWithoutTask()
        do {
            return try answer(request, &context)
        } catch {
            return lastResortResponse(for: error, context: context)
        }
    }

    /// The answer to an error that escaped every middleware (there is no recovery
    /// middleware, or it passed the error on): an `HTTPError` keeps its status and body,
    /// anything else is logged and answered 500. Synchronous and out of line: an async
    /// function's frame holds every local of its body, and this one's (an HTTPError, a log
    /// line's metadata) had made the caller's frame 2 KB, more than a task allocator slab,
    /// so every request paid a malloc and a free for it.
    @inline(never) @usableFromInline
    package static func lastResortResponse(for error: any Error, context: RequestContext) -> Response {
        if let error = error as? HTTPError { return error.response }
        context.logger.error("handler error escaped", metadata: ["route": "\(context.route)", "error": "\(type(of: error))"])
        return HTTPError.internalError(requestID: nil).response
    }

    /// The route template `method` and `path` match, or `RequestContext.unmatchedRoute`,
    /// and the parameters captured.
    public func match(method: HTTPMethod, path: String) -> (template: String, parameters: Parameters) {
        guard let (node, parameters) = node(for: path), let template = nodes[node].template,
              !nodes[node].methods.isEmpty else { return (RequestContext.unmatchedRoute, Parameters()) }
        return (template, parameters)
    }

    /// The responder at node `index` for `method`, read in place: copying a `Node` out of
    /// the array retained and released its members on every request.
    private func responder(at index: Int, method: HTTPMethod, parameters: Parameters,
                           context: inout RequestContext) -> Responder {
        guard let template = nodes[index].template, !nodes[index].methods.isEmpty else {
            context.route = RequestContext.unmatchedRoute
            return notFound
        }
        context.route = template
        context.parameters = parameters
        if let found = nodes[index].methods.first(where: { $0.method == method }) { return found.responder }
        if method == .options, let options = nodes[index].options { return options }
        return nodes[index].methodNotAllowed ?? notFound
    }

    /// The node whose template matches `path` (percent-encoded, without query), and the
    /// parameters it captured.
    private func node(for path: String) -> (Int, Parameters)? {
        if let node = literalPaths.node(for: path) { return (node, Parameters()) }
        var current = 0
        var captured: [(String, String)] = []
        var utf8 = path.utf8[...]
        guard utf8.first == UInt8(ascii: "/") else { return nil }
        utf8 = utf8.dropFirst()
        if !utf8.isEmpty || path.utf8.count > 1 {
            while true {
                let end = utf8.firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
                let segment = Substring(utf8[utf8.startIndex..<end])
                if let literal = nodes[current].literals.first(where: { $0.segment.utf8.elementsEqual(segment.utf8) }) {
                    current = literal.node
                } else if let capture = nodes[current].capture, !segment.isEmpty,
                          let value = Self.percentDecoded(segment) {
                    captured.append((capture.name, value))
                    current = capture.node
                } else {
                    return nil
                }
                if end == utf8.endIndex { break }
                utf8 = utf8[utf8.index(after: end)...]
            }
        }
        return (current, captured.isEmpty ? Parameters() : Parameters(captured))
    }

    /// Decodes %XX escapes; `nil` for malformed escapes or bytes that are not UTF-8.
    static func percentDecoded(_ segment: Substring) -> String? {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return String(segment) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte != UInt8(ascii: "%") { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
