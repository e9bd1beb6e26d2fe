import Logging

/// What the server knows about a request besides the request itself.
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
    /// A logger for this request (middleware adds metadata such as the request id).
    public var logger: Logger
    /// The request id (set by the request-id middleware; empty without it).
    public var requestID: String = ""
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
    /// The router's verdict for this request, when routing ran before the middleware
    /// (see `Router.resolve`) and the request goes on to `respond` (a synchronous route
    /// answered in `startRequest` does not store it).
    public var routeMatch: RouteMatch?
    /// Told about every failed parameter lookup (missing or invalid), for metrics.
    public var parameterFailureObserver: (any ParameterFailureObserver)?
    /// Set by a responder whose `startRequest` already did the request's synchronous
    /// setup, so that `respond` does not do it twice.
    package var isStarted = false

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

/// Receives the failures of safe parameter lookups, so that they can be counted.
public protocol ParameterFailureObserver: Sendable {
    func parameterLookupFailed(route: String, parameter: String, reason: ParameterFailureReason)
}

/// Why a parameter lookup failed.
public struct ParameterFailureReason: Sendable, Hashable, CustomStringConvertible {
    enum Base: Sendable, Hashable { case missing, invalid }
    let base: Base

    /// The parameter was absent.
    public static let missing = ParameterFailureReason(base: .missing)
    /// The parameter was present but did not parse as the expected type.
    public static let invalid = ParameterFailureReason(base: .invalid)

    public var description: String {
        switch base {
        case .missing: "missing"
        case .invalid: "invalid"
        }
    }
}
