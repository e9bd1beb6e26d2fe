import Logging

/// What the server knows about a request besides the request itself: where it came from,
/// when, over which protocol, and which route matched it.
///
/// Middleware adds its own per-request values under keys of its own
/// (`context[RequestIDKey.self]`), so that the context never grows a field for one
/// middleware's private state.
public struct RequestContext: Sendable {
    /// The matched route template, such as `/api/v1/order/{id}`; `unmatched` when no route
    /// matched. Label metrics with this, never with the raw path.
    public var route: String
    /// Path parameters captured by the route template.
    public var parameters: Parameters
    /// The connection's id, unique per event loop.
    public var connectionID: UInt64
    /// The index of the event loop serving the request.
    public var loopIndex: Int
    /// The protocol the request arrived over.
    public var httpVersion: HTTPVersion = .http1_1
    /// The HTTP/2 stream id; 0 for HTTP/1.1.
    public var streamID: UInt32 = 0
    /// Whether the request may run in a Swift task: `false` when the server answers it with
    /// a plain call on the loop's thread (a synchronous route), where there is certainly no
    /// current task, so middleware can skip looking one up (a thread-local read through
    /// the concurrency runtime, about 20 ns).
    public internal(set) var runsInTask = true
    /// A logger for this request (middleware adds metadata such as the request id).
    public var logger: Logger
    /// When the request was received: for a request the server read, when its loop woke
    /// to read the request's last bytes (so it includes time spent behind other requests of
    /// the same batch); `.now` at `init` otherwise. Latency is measured from here.
    public var receivedAt: ContinuousClock.Instant {
        get { ContinuousNanoseconds.instant(receivedNanoseconds) }
        set { receivedNanoseconds = ContinuousNanoseconds.reading(of: newValue) }
    }
    /// `receivedAt` as a `ContinuousNanoseconds` reading, which is how it is kept: the
    /// shim's timestamp as it is, with no conversion per request.
    package var receivedNanoseconds: UInt64
    /// Marks the request as answered on the loop's thread without a task.
    @usableFromInline
    mutating func markAnsweredWithoutTask() { runsInTask = false }
    /// Values that middleware keeps for this request, each under a key type it declares
    /// (see `RequestContextKey`).
    @usableFromInline
    var values = RequestContextValues()

    public init(route: String = RequestContext.unmatchedRoute, parameters: Parameters = Parameters(),
                connectionID: UInt64 = 0, loopIndex: Int = 0, logger: Logger) {
        self.init(connectionID: connectionID, loopIndex: loopIndex, logger: logger,
                  receivedNanoseconds: ContinuousNanoseconds.now())
        self.route = route
        self.parameters = parameters
    }

    /// A context for a request received at `receivedNanoseconds` (the loop's wake time: no
    /// clock read per request).
    init(connectionID: UInt64, loopIndex: Int, logger: Logger, receivedNanoseconds: UInt64) {
        self.route = Self.unmatchedRoute
        self.parameters = Parameters()
        self.connectionID = connectionID
        self.loopIndex = loopIndex
        self.logger = logger
        self.receivedNanoseconds = receivedNanoseconds
    }

    /// The route label for requests that matched no route.
    public static let unmatchedRoute = "unmatched"
}

/// Path parameters captured by a route template, percent-decoded.
public struct Parameters: Sendable, Equatable {
    var pairs: [(name: String, value: String)]

    public init() { pairs = [] }

    public init(_ pairs: [(String, String)]) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }

    /// The value captured for `name`, or `nil`.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    public var count: Int { pairs.count }

    public static func == (lhs: Parameters, rhs: Parameters) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

