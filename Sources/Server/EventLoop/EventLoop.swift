import CEventShim
import Logging
import Synchronization

/// One epoll loop on its own thread, and the Swift executor that runs on it.
///
/// The C shim owns the sockets; this class owns what Swift runs on the loop's thread:
/// request handlers (started inline with `Task.immediate` and this loop as their task
/// executor, so a handler that never suspends answers without any thread hop, and one that
/// suspends resumes here), jobs enqueued by other threads, and timers.
///
/// State marked "loop thread only" is touched only on the loop's thread, which is why the
/// class can be `@unchecked Sendable`, and why those properties skip the runtime's dynamic
/// exclusivity checks (`@exclusivity(unchecked)`: a begin and an end access call for each
/// use, several per request); everything reachable from other threads goes through
/// `remote` (a mutex) and `es_loop_wake`.
public final class EventLoop: @unchecked Sendable {
    /// Position among the server's loops.
    public let index: Int
    /// The routes this loop serves, composed with their middleware.
    let routes: Routes
    let logger: Logger
    let dispatch: ServerConfiguration.HandlerDispatch
    private(set) var cLoop: OpaquePointer?

    /// Jobs enqueued from the loop thread itself. Loop thread only.
    @exclusivity(unchecked) var localJobs: [UnownedJob] = []
    /// Work handed over from other threads.
    let remote = Mutex<RemoteWork>(RemoteWork())
    /// Pending sleeps, ordered by deadline. Loop thread only.
    @exclusivity(unchecked) var timers = TimerQueue()
    /// Reused to hand response header fields to the shim. Loop thread only.
    @exclusivity(unchecked) var fieldScratch: [es_field] = []
    /// Handlers that suspended, by exchange, so that a client that leaves cancels them.
    /// Loop thread only.
    @exclusivity(unchecked) var suspended: [UInt: Task<Void, Never>] = [:]
    /// The exchange answered last, to tell whether a handler answered without suspending.
    /// Loop thread only.
    @exclusivity(unchecked) var lastAnswered: UInt?
    /// Told about connection events; set before `attach`.
    let connectionObserver: (any ConnectionObserver)?
    /// HTTP/2 connections open on this loop (the rest of `connectionCount` is HTTP/1.1).
    let http2Connections = Atomic<Int>(0)
    /// Set once the C loop has returned: answers then go straight to the shim, which only
    /// frees the closed connections they were for.
    let stopped = Atomic<Bool>(false)
    /// Held while an answer that arrived after the loop stopped frees its exchange: the
    /// shim's pools have no lock of their own, and such answers come from any thread.
    let lateAnswers = Mutex<Void>(())

    struct RemoteWork: ~Copyable {
        var jobs: [UnownedJob] = []
        var closures: [@Sendable () -> Void] = []
    }

    init(index: Int, routes: Routes, logger: Logger, dispatch: ServerConfiguration.HandlerDispatch = .inline,
         connectionObserver: (any ConnectionObserver)? = nil) {
        self.index = index
        self.connectionObserver = connectionObserver
        self.dispatch = dispatch
        self.routes = routes
        self.logger = logger
        fieldScratch.reserveCapacity(16)
    }


    /// Creates the C loop around `listenFD`. Call once, before `run`.
    func attach(listenFD: Int32, config: es_loop_config) -> Bool {
        var config = config
        var callbacks = es_loop_callbacks()
        callbacks.ctx = Unmanaged.passUnretained(self).toOpaque()
        callbacks.on_request = eventLoopOnRequest
        callbacks.on_tick = eventLoopOnTick
        callbacks.on_cancel = eventLoopOnCancel
        callbacks.on_connection = eventLoopOnConnection
        cLoop = es_loop_create(&config, listenFD, &callbacks)
        return cLoop != nil
    }

    /// Adds a TLS listener (owned by the loop from now on). Call after `attach`, before `run`.
    func addTLSListener(fd: Int32, context: OpaquePointer) -> Bool {
        guard let cLoop else { return false }
        return es_loop_add_tls_listener(cLoop, fd, context) == 0
    }

    /// Counts HTTP/2 connections and tells the observer.
    func connectionEvent(id: UInt64, event: Int32, proto: Int32, tls: Bool) {
        let kind: ConnectionEvent.Kind
        switch event {
        case ES_CONNECTION_OPENED: kind = .opened
        case ES_CONNECTION_HTTP2:
            kind = .switchedToHTTP2
            http2Connections.add(1, ordering: .relaxed)
        default:
            kind = .closed
            if proto == ES_PROTO_HTTP2 { http2Connections.subtract(1, ordering: .relaxed) }
        }
        connectionObserver?.connectionEvent(ConnectionEvent(
            kind: kind, connectionID: id, loopIndex: index,
            version: proto == ES_PROTO_HTTP2 ? .http2 : .http1_1, isTLS: tls))
    }

    /// Runs the loop on the calling thread until it has shut down.
    func run() {
        guard let cLoop else { return }
        es_loop_run(cLoop)
        stopped.store(true, ordering: .releasing)
        // Jobs that arrived during the final iteration still run, so no task is stranded.
        _ = tick()
    }

    func destroy() {
        if let cLoop { es_loop_destroy(cLoop) }
        cLoop = nil
    }

    /// Whether the caller runs on this loop's thread.
    public var inEventLoop: Bool { cLoop != nil && es_loop_current() == cLoop }

    /// The loop running on the calling thread, if any.
    public static var current: EventLoop? {
        guard let ctx = es_loop_current_ctx() else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(ctx).takeUnretainedValue()
    }

    /// Runs `work` on the loop thread: now if already there, else at the next tick.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        if inEventLoop {
            work()
            return
        }
        remote.withLock { $0.closures.append(work) }
        if let cLoop { es_loop_wake(cLoop) }
    }

    func beginShutdown() { if let cLoop { es_loop_request_shutdown(cLoop) } }
    func forceClose() { if let cLoop { es_loop_force_close(cLoop) } }
    var connectionCount: Int { cLoop.map { Int(es_loop_connection_count($0)) } ?? 0 }

    /// Runs queued jobs and due timers. Returns how long the loop may sleep, in ms.
    func tick() -> Int32 {
        for _ in 0..<64 {
            var ranSomething = false
            if !localJobs.isEmpty {
                let batch = localJobs
                localJobs.removeAll(keepingCapacity: true)
                for job in batch { run(job) }
                ranSomething = true
            }
            let (jobs, closures) = remote.withLock { work -> ([UnownedJob], [@Sendable () -> Void]) in
                defer { work.jobs.removeAll(); work.closures.removeAll() }
                return (work.jobs, work.closures)
            }
            for job in jobs { run(job) }
            for closure in closures { closure() }
            ranSomething = ranSomething || !jobs.isEmpty || !closures.isEmpty
            if timers.fireDue(late: observeLag) > 0 { ranSomething = true }
            if !ranSomething { break }
        }
        if !localJobs.isEmpty { return 0 }
        return timers.millisecondsUntilNext()
    }

    /// Runs a job, telling the loop's watchdog whose it is meanwhile (a task's job is the
    /// task itself, so its address names the task: two stores).
    private func run(_ job: UnownedJob) {
        guard let cLoop else {
            job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
            return
        }
        es_loop_publish_task(cLoop, UInt64(UInt(bitPattern: unsafeBitCast(job, to: Int.self))))
        job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
        es_loop_publish_task(cLoop, 0)
    }

    /// A sleep ran `nanoseconds` after it was due: into the loop's lag histogram.
    private func observeLag(_ nanoseconds: UInt64) {
        if let cLoop { es_loop_observe_lag(cLoop, nanoseconds) }
    }
}

extension EventLoop: TaskExecutor, SerialExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inEventLoop {
            localJobs.append(job)
            return
        }
        remote.withLock { $0.jobs.append(job) }
        if let cLoop { es_loop_wake(cLoop) }
    }

    public func isSameExclusiveExecutionContext(other: EventLoop) -> Bool { self === other }

    public func checkIsolated() {
        precondition(inEventLoop, "expected to run on event loop \(index)")
    }
}

private func eventLoopOnTick(_ ctx: UnsafeMutableRawPointer?) -> Int32 {
    Unmanaged<EventLoop>.fromOpaque(ctx!).takeUnretainedValue().tick()
}

private func eventLoopOnRequest(
    _ ctx: UnsafeMutableRawPointer?, _ exchange: OpaquePointer?, _ request: UnsafePointer<es_request>?
) {
    let loop = Unmanaged<EventLoop>.fromOpaque(ctx!).takeUnretainedValue()
    loop.handleRequest(exchange: exchange!, request: request!)
}

private func eventLoopOnCancel(_ ctx: UnsafeMutableRawPointer?, _ exchange: OpaquePointer?) {
    Unmanaged<EventLoop>.fromOpaque(ctx!).takeUnretainedValue().cancelRequest(exchange: exchange!)
}

private func eventLoopOnConnection(_ ctx: UnsafeMutableRawPointer?, _ id: UInt64, _ event: Int32, _ proto: Int32, _ tls: Int32) {
    Unmanaged<EventLoop>.fromOpaque(ctx!).takeUnretainedValue()
        .connectionEvent(id: id, event: event, proto: proto, tls: tls != 0)
}
