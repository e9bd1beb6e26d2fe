#if canImport(Glibc)
import Glibc
#endif
import CEventShim
import Logging
import ServiceLifecycle
import Synchronization

/// The HTTP server: N event loops, each a thread with its own listening socket.
///
/// Run it in a swift-service-lifecycle `ServiceGroup`: graceful shutdown stops accepting,
/// closes idle connections, lets requests in flight finish within the drain deadline, and
/// then `run()` returns. Cancellation closes everything at once.
public final class HTTPServer: Service, Sendable {
    public let configuration: ServerConfiguration
    /// The routes served, composed once.
    public let routes: Routes
    let logger: Logger
    let state = Mutex<State>(State())
    /// Readiness: set when a graceful shutdown begins.
    public let drainState: DrainState

    struct State: ~Copyable {
        var loops: [EventLoop] = []
        var watchdog: LoopWatchdog?
        var boundPort: Int?
        var boundTLSPort: Int?
        var running = 0
        var exitWaiter: CheckedContinuation<Void, Never>?
        var started = false
        var startWaiters: [CheckedContinuation<Int, any Error>] = []
        var startError: (any Error)?
    }

    public init(configuration: ServerConfiguration, routes: Routes, logger: Logger,
                drainState: DrainState = DrainState()) {
        self.configuration = configuration
        self.drainState = drainState
        self.routes = routes
        self.logger = logger
    }

    /// True from the start of a graceful shutdown: readiness probes should fail.
    public var isDraining: Bool { drainState.isDraining }

    /// Waits until the server listens, and returns the port it is bound to.
    public func waitUntilListening() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { state in
                if let port = state.boundPort { continuation.resume(returning: port) }
                else if let error = state.startError { continuation.resume(throwing: error) }
                else { state.startWaiters.append(continuation) }
            }
        }
    }

    /// The TLS port when TLS is served beside cleartext (`TLSConfiguration.port`), once
    /// listening.
    public var tlsPort: Int? { state.withLock { $0.boundTLSPort } }

    /// Open connections by protocol (`h1`, `h2`), across all loops.
    public var connectionsByVersion: [(version: HTTPVersion, count: Int)] {
        let loops = state.withLock { $0.loops }
        let total = loops.reduce(0) { $0 + $1.connectionCount }
        let http2 = loops.reduce(0) { $0 + $1.http2Connections.load(ordering: .relaxed) }
        return [(.http1_1, max(0, total - http2)), (.http2, http2)]
    }

    /// Connections open across all loops.
    public var connectionCount: Int {
        connectionsPerLoop.reduce(0, +)
    }

    /// Connections open on each loop, in loop order.
    public var connectionsPerLoop: [Int] {
        state.withLock { $0.loops.map(\.connectionCount) }
    }

    /// Each loop's iteration and timer-lag histograms, and, with a watchdog
    /// (`ServerConfiguration.stallThreshold`), its stalls; no loops before the server starts.
    public var loopHealth: LoopHealthReport {
        let (loops, watchdog) = state.withLock { ($0.loops, $0.watchdog) }
        if let watchdog { return watchdog.report() }
        return LoopHealthReport(stallThreshold: nil, loops: loops.map { loop in
            let (iterations, lag) = loop.healthHistograms()
            return EventLoopHealth(index: loop.index, iterations: iterations, lag: lag)
        })
    }

    public func run() async throws {
        let loops = try start()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { continuation in
                    let finished = state.withLock { state -> Bool in
                        if state.running == 0 { return true }
                        state.exitWaiter = continuation
                        return false
                    }
                    if finished { continuation.resume() }
                }
            } onGracefulShutdown: {
                self.drain()
            }
        } onCancel: {
            for loop in loops { loop.forceClose() }
        }
        // The C loops are not freed: a handler that outlives the drain deadline may still
        // hand its response to its loop, which then only drops it. The process is ending.
        logger.info("server stopped")
    }

    /// Opens the listeners and starts one thread per loop.
    private func start() throws -> [EventLoop] {
        let threads = max(1, configuration.threads)
        // Each connection is an fd: allow as many as the hard limit permits.
        let fdLimit = es_raise_fd_limit()
        var port = UInt16(clamping: configuration.port)
        var tlsPort = UInt16(clamping: configuration.tls?.port ?? 0)
        var loops: [EventLoop] = []
        let tlsContext: OpaquePointer?
        // Sockets bound but not yet handed to a loop; closed here if the start fails.
        var cleartextFDs: [Int32] = [], tlsFDs: [Int32] = []
        do {
            tlsContext = try configuration.tls.map(Self.makeTLSContext)
            // TLS without its own port takes the main one: no cleartext listener then.
            let cleartext = configuration.tls == nil || configuration.tls?.port != nil
            // Every loop's socket is bound before any listens, so that a port another
            // process listens on is refused before this one takes a connection on it.
            for _ in 0..<threads {
                if cleartext { cleartextFDs.append(try bind(port: &port)) }
                if tlsContext != nil { tlsFDs.append(cleartext ? try bind(port: &tlsPort) : try bind(port: &port)) }
            }
            try listenExclusively(cleartextFDs, port: port)
            try listenExclusively(tlsFDs, port: cleartext ? tlsPort : port)
            for index in 0..<threads {
                let fd = cleartext ? cleartextFDs[index] : -1
                let loop = EventLoop(index: index, routes: routes, logger: logger, dispatch: configuration.handlerDispatch,
                                     connectionObserver: configuration.connectionObserver)
                guard loop.attach(listenFD: fd, config: configuration.shimConfig) else { throw ServerError.loopCreation }
                if cleartext { cleartextFDs[index] = -1 }
                if let threshold = configuration.stallThreshold { loop.setStallThreshold(threshold) }
                loops.append(loop)
                if let tlsContext {
                    guard loop.addTLSListener(fd: tlsFDs[index], context: tlsContext) else { throw ServerError.loopCreation }
                    tlsFDs[index] = -1
                }
            }
        } catch {
            for fd in cleartextFDs + tlsFDs where fd >= 0 { close(fd) }
            for loop in loops { loop.forceClose(); loop.destroy() }
            let waiters = state.withLock { state in
                state.startError = error
                defer { state.startWaiters.removeAll() }
                return state.startWaiters
            }
            for waiter in waiters { waiter.resume(throwing: error) }
            throw error
        }
        let started = loops
        let watchdog = configuration.stallThreshold.map { threshold in
            let describe: @Sendable (LoopActivity) -> StalledRequest? = configuration.stalledRequest ?? { _ in nil }
            return LoopWatchdog(threshold: threshold, loopCount: loops.count, logger: logger,
                                sample: { started[$0].watchSample() }, histograms: { started[$0].healthHistograms() },
                                describe: describe)
        }
        let waiters = state.withLock { state in
            state.loops = loops
            state.watchdog = watchdog
            state.boundPort = Int(port)
            if configuration.tls?.port != nil { state.boundTLSPort = Int(tlsPort) }
            state.running = loops.count
            defer { state.startWaiters.removeAll() }
            return state.startWaiters
        }
        for loop in loops {
            LoopThread.start(name: "\(configuration.name)-loop-\(loop.index)", priority: configuration.threadPriority) {
                loop.run()
                self.loopExited()
            }
        }
        watchdog?.start(name: "\(configuration.name)-watchdog")
        var metadata: Logger.Metadata = ["listener": "\(configuration.name)", "host": "\(configuration.host)", "port": "\(port)",
                                         "threads": "\(loops.count)", "fd_limit": "\(fdLimit)",
                                         "h2c": "\(configuration.http2.cleartext && (configuration.tls == nil || configuration.tls?.port != nil))"]
        if let tls = configuration.tls {
            metadata["tls_port"] = "\(tls.port == nil ? port : tlsPort)"
            metadata["alpn"] = tls.offerHTTP2 ? "h2,http/1.1" : "http/1.1"
            metadata["nghttp2"] = "\(String(cString: es_nghttp2_version()))"
        }
        logger.info("listening", metadata: metadata)
        for waiter in waiters { waiter.resume(returning: Int(port)) }
        return loops
    }

    /// Binds one loop's SO_REUSEPORT socket; a port of 0 becomes the port the kernel picked,
    /// so the other loops bind to it.
    private func bind(port: inout UInt16) throws -> Int32 {
        var bound: UInt16 = 0
        let fd = es_bind(configuration.host, port, &bound)
        guard fd >= 0 else { throw ServerError.listen(host: configuration.host, port: Int(port), errno: -fd) }
        port = bound
        return fd
    }

    /// Makes the loops' sockets for one port listen, or fails with "Address already in use"
    /// when another process listens there (es_listen_exclusive).
    private func listenExclusively(_ fds: [Int32], port: UInt16) throws {
        guard !fds.isEmpty else { return }
        let result = fds.withUnsafeBufferPointer { es_listen_exclusive($0.baseAddress, Int32($0.count), Int32(clamping: configuration.backlog)) }
        guard result == 0 else { throw ServerError.listen(host: configuration.host, port: Int(port), errno: -result) }
    }

    /// Loads the certificate and key. The context lives as long as the process: loops that
    /// outlive a drain deadline may still hold connections that use it.
    private static func makeTLSContext(_ tls: TLSConfiguration) throws -> OpaquePointer {
        var reason = [CChar](repeating: 0, count: 512)
        guard let context = es_tls_context_create(tls.certificatePath, tls.privateKeyPath, tls.offerHTTP2 ? 1 : 0,
                                                  tls.profile == .modern ? ES_TLS_PROFILE_MODERN : ES_TLS_PROFILE_INTERMEDIATE,
                                                  &reason, reason.count) else {
            throw ServerError.tls(String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return context
    }

    private func loopExited() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.running -= 1
            guard state.running == 0 else { return nil }
            state.watchdog?.stop()
            defer { state.exitWaiter = nil }
            return state.exitWaiter
        }
        waiter?.resume()
    }

    /// Begins a graceful shutdown, and forces it when the drain deadline passes.
    public func drain() {
        guard drainState.begin() else { return }
        let loops = state.withLock { $0.loops }
        let inFlight = loops.reduce(0) { $0 + $1.connectionCount }
        // The loops first: readiness already says "draining", and a log line can block (a
        // full pipe under load), which must not keep connections from being told to close.
        for loop in loops { loop.beginShutdown() }
        logger.info("draining", metadata: ["connections": "\(inFlight)", "deadline": "\(configuration.drainDeadline)"])
        let deadline = configuration.drainDeadline
        let logger = self.logger
        Task.detached {
            try? await Task.sleep(for: deadline)
            let left = loops.reduce(0) { $0 + $1.connectionCount }
            if left > 0 { logger.warning("drain deadline passed; closing connections", metadata: ["connections": "\(left)"]) }
            for loop in loops { loop.forceClose() }
        }
    }
}

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    case listen(host: String, port: Int, errno: Int32)
    case loopCreation
    case tls(String)

    public var description: String {
        switch self {
        case .listen(let host, let port, let code):
            "cannot listen on \(host):\(port): \(String(cString: strerror(code)))"
        case .loopCreation:
            "cannot create an event loop (epoll or eventfd failed)"
        case .tls(let reason):
            "cannot set up TLS: \(reason)"
        }
    }
}
