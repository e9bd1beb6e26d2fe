import CEventShim

/// Everything the HTTP server can be told at start-up.
public struct ServerConfiguration: Sendable {
    /// The listener's name in logs (`public`, `admin`).
    public var name = "public"
    /// Numeric IPv4 or IPv6 address to listen on.
    public var host = "0.0.0.0"
    /// TCP port; 0 picks an ephemeral port (see `HTTPServer.boundPort`).
    public var port = 8080
    /// Event loops, each a thread with its own SO_REUSEPORT listener.
    public var threads = ServerConfiguration.availableCPUs
    /// listen(2) backlog.
    public var backlog = 4096
    /// Request parsing limits.
    public var limits = Limits()
    /// Connection timeouts.
    public var timeouts = Timeouts()
    /// Open connections per loop; 0 for no limit.
    public var maxConnectionsPerLoop = 0
    /// How long a graceful shutdown waits for requests in flight.
    public var drainDeadline: Duration = .seconds(10)
    /// How the loop threads are scheduled. A listener whose work may be heavy and is never
    /// urgent (the admin listener rendering 100,000 tasks) runs in the background, so that
    /// the serving loops always win the CPU.
    public var threadPriority = ThreadPriority.normal
    /// Where handlers start. Kept configurable so the cost of a thread hop can be measured.
    public var handlerDispatch = HandlerDispatch.inline
    /// The `Server` header's value. No version, on purpose.
    public var serverName: StaticString = "orders"
    /// TLS on the public listener; `nil` serves cleartext only.
    public var tls: TLSConfiguration?
    /// HTTP/2 settings and limits.
    public var http2 = HTTP2()
    /// Told about every connection's life (for the task registry); `nil` for none.
    public var connectionObserver: (any ConnectionObserver)?
    /// An iteration of a loop this long or longer is a stall, which a watchdog thread logs,
    /// counts and lists (`HTTPServer.loopHealth`); `nil` for no watchdog. The loops measure
    /// their iterations either way.
    public var stallThreshold: Duration?
    /// Names the request a stalled loop runs, from what middleware published
    /// (`EventLoop.publishRunningRequest`) or the task whose job runs; called by the
    /// watchdog's thread, once per stall. `nil`: stalls name no request.
    public var stalledRequest: (@Sendable (LoopActivity) -> StalledRequest?)?

    public init() {}

    /// The CPUs this process may run on (its affinity mask), so a server pinned with
    /// `taskset -c 0` starts one loop.
    public static var availableCPUs: Int { Int(es_available_cpus()) }

    /// How a listener's loop threads are scheduled.
    public struct ThreadPriority: Sendable, Hashable {
        enum Base: Sendable, Hashable { case normal, background }
        let base: Base

        /// The default scheduling policy.
        public static let normal = ThreadPriority(base: .normal)
        /// Linux SCHED_IDLE: the thread runs on CPU time no normal thread wants, and a
        /// waking serving loop preempts it at once. (A nice value is not enough under the
        /// EEVDF scheduler of Linux 6.6 and later: a woken thread may wait out the running
        /// one's slice, milliseconds.) A fully saturated machine starves such a thread.
        public static let background = ThreadPriority(base: .background)
    }

    /// Where a request's handler task starts.
    public struct HandlerDispatch: Sendable, Hashable {
        enum Base: Sendable, Hashable { case inline, globalExecutor }
        let base: Base

        /// `Task.immediate` with the connection's loop as task executor: a handler that
        /// does not suspend answers on the loop thread with no hop; one that suspends
        /// resumes on that loop. The default.
        public static let inline = HandlerDispatch(base: .inline)
        /// A plain `Task` on Swift's global executor, answering back through the loop's
        /// queue: two thread hops per request. For comparison only.
        public static let globalExecutor = HandlerDispatch(base: .globalExecutor)
    }

    /// HTTP/2 (RFC 9113) settings.
    public struct HTTP2: Sendable {
        /// Accept HTTP/2 in cleartext: prior knowledge (the client preface) and
        /// `Upgrade: h2c`. TLS connections choose by ALPN either way.
        public var cleartext = true
        /// SETTINGS_MAX_CONCURRENT_STREAMS, and the cap on handlers running per connection
        /// (reset streams whose handlers still run count toward it).
        public var maxConcurrentStreams = 100
        /// SETTINGS_MAX_HEADER_LIST_SIZE; a larger request gets 431.
        public var maxHeaderListSize = 16 * 1024
        public init() {}
    }

    /// Request size limits (RFC 9112 leaves them to the server).
    public struct Limits: Sendable {
        public var maxRequestLine = 8 * 1024
        public var maxHeaderBlock = 16 * 1024
        public var maxHeaderCount = 100
        public var maxBody = 1024 * 1024
        public init() {}
    }

    /// Connection timeouts.
    public struct Timeouts: Sendable {
        /// From a request's first byte to its complete head.
        public var header: Duration = .seconds(10)
        /// Longest gap between two reads of a body.
        public var body: Duration = .seconds(30)
        /// Keep-alive connection without a request.
        public var idle: Duration = .seconds(60)
        /// Longest gap without write progress (a client that does not read).
        public var write: Duration = .seconds(30)
        /// From accept to a finished TLS handshake.
        public var handshake: Duration = .seconds(10)
        public init() {}
    }

    var shimConfig: es_loop_config {
        var config = es_loop_config_default()
        config.limits.max_request_line = UInt32(clamping: limits.maxRequestLine)
        config.limits.max_header_block = UInt32(clamping: limits.maxHeaderBlock)
        config.limits.max_header_count = UInt32(clamping: limits.maxHeaderCount)
        config.limits.max_body = UInt64(clamping: limits.maxBody)
        config.header_timeout_ms = timeouts.header.milliseconds
        config.body_timeout_ms = timeouts.body.milliseconds
        config.idle_timeout_ms = timeouts.idle.milliseconds
        config.write_timeout_ms = timeouts.write.milliseconds
        config.handshake_timeout_ms = timeouts.handshake.milliseconds
        config.max_connections = UInt32(clamping: maxConnectionsPerLoop)
        config.h2c = http2.cleartext ? 1 : 0
        config.h2_max_concurrent_streams = UInt32(clamping: http2.maxConcurrentStreams)
        config.h2_max_header_list = UInt32(clamping: http2.maxHeaderListSize)
        config.server_name = UnsafeRawPointer(serverName.utf8Start).assumingMemoryBound(to: CChar.self)
        return config
    }
}

extension Duration {
    var milliseconds: UInt32 {
        let (seconds, attoseconds) = components
        return UInt32(clamping: max(0, seconds) * 1000 + max(0, attoseconds) / 1_000_000_000_000_000)
    }
}
