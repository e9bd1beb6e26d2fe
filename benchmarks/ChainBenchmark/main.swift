// The Swift side of one /plaintext request, without sockets: what the event loop does per
// request (a context, routing, then the route's responder: a plain call when it is
// synchronous, a `Task.immediate` otherwise), timed in-process for the bare router, the full
// diagnostic chain, and the chain with one more user-defined synchronous middleware that
// adds a response header, with an `async` handler and with a `SynchronousHandler`. The network benchmark
// (benchmarks/route-cpu.sh) gives the figure that counts; this one isolates the chain's
// part of it from the noise of loopback TCP on a shared machine.
//
//   swift run -c release chain-bench [iterations] [rounds]
import Logging
import Middleware
import ServerMetrics
import TaskRegistry
import Prometheus
import RequestTracing
import Server
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 7 : 7

func register(on router: inout Router) {
    router.get("/plaintext") { _, _ in
        Response(contentType: .plainText, body: ResponseBody(literal: "Hello, World!"))
    }
    router.get("/plaintext-sync", SynchronousHandler { _, _ in
        Response(contentType: .plainText, body: ResponseBody(literal: "Hello, World!"))
    })
    // A request that starts two registered children and awaits both, as the order map does
    // with its stock validations: what each child's entry, parent link and inherited
    // attribution cost.
    router.get("/children") { _, _ in
        let first = registry.spawn(name: "child", labels: ["order_id": "1"]) { 1 }
        let second = registry.spawn(name: "child", labels: ["order_id": "2"]) { 2 }
        let sum = try await first.value + second.value
        return Response(contentType: .plainText, body: ResponseBody(literal: sum == 3 ? "Hello, World!" : "?"))
    }
}

/// A user's middleware: one response header on every answer.
struct BuildHeader: SynchronousMiddleware {
    func begin(_ request: Request, context: inout RequestContext) {}
    func end(_ state: Void, request: Request, context: RequestContext, response: inout Response) {
        response.headers.add(name: "X-Build", value: "chain-bench")
    }
}

let logger = Logger(label: "chain-bench")
let registry = TaskRegistry(shardCount: 1) { 0 }
let metrics = HTTPMetrics(registry: PrometheusCollectorRegistry())
let diagnostics = DiagnosticMiddleware(metrics: metrics, registry: registry, logger: logger,
                                       accessLog: AccessLogMiddleware(logger: logger, skippedRoutes: ["/plaintext", "/plaintext-sync"]))
var bareRouter = Router()
register(on: &bareRouter)
var chainRouter = Router()
chainRouter.add(middleware: diagnostics)
register(on: &chainRouter)
var userRouter = Router()
userRouter.add(middleware: diagnostics)
userRouter.add(middleware: BuildHeader())
register(on: &userRouter)
let bare = bareRouter.build(), chain = chainRouter.build(), withUser = userRouter.build()
let asyncRequest = Request(method: .get, target: "/plaintext", headers: ["Host": "127.0.0.1:8080"])
let syncRequest = Request(method: .get, target: "/plaintext-sync", headers: ["Host": "127.0.0.1:8080"])

/// Bytes of every response, so that the work cannot be optimised away.
final class Sink: @unchecked Sendable {
    var bytes = 0
}
let sink = Sink()

func nanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Nanoseconds per request through `routes`, as the event loop drives it.
func measure(_ routes: Routes, _ request: Request) -> Double {
    let start = nanoseconds()
    for _ in 0..<iterations {
        var context = RequestContext(connectionID: 1, loopIndex: 0, logger: logger)
        let responder = routes.responder(for: request, context: &context)
        if let response = Routes.answerWithoutTask(request, with: responder, context: &context) {
            sink.bytes &+= response.body.count
            continue
        }
        Task.immediate { [context] in
            var context = context
            let response = try? await responder.respond(to: request, context: &context)
            sink.bytes &+= response?.body.count ?? 0
        }
    }
    return Double(nanoseconds() - start) / Double(iterations)
}

print("sizes: RequestContext \(MemoryLayout<RequestContext>.size) Response \(MemoryLayout<Response>.size) Request \(MemoryLayout<Request>.size) HTTPHeaders \(MemoryLayout<HTTPHeaders>.size)")
print("iterations=\(iterations) rounds=\(rounds) (medians)")
// CHAIN_BENCH_ONLY=async or =sync runs one kind, for a profiler.
let only = getenv("CHAIN_BENCH_ONLY").map { String(cString: $0) }
// CHAIN_BENCH_ONLY=traced: the async request through the diagnostic chain, then with the
// tracing middleware outside it (as orders builds it), sampling every request and 1 in 100;
// spans are encoded as the OTLP exporter's queue does, on this thread, and never sent.
if only == "traced" {
    let spans = EncodingSink()
    let everyRequest = RequestTracer(sampler: TraceSampler(ratio: 1), sink: spans)
    let onePercent = RequestTracer(sampler: TraceSampler(ratio: 0.01), sink: spans)
    everyRequest.bootstrap()
    func traced(_ tracer: RequestTracer) -> Routes {
        var router = Router()
        router.add(middleware: TracedDiagnosticsMiddleware(tracing: TracingMiddleware(tracer: tracer, serverPort: 8080),
                                                           diagnostics: diagnostics))
        register(on: &router)
        return router.build()
    }
    let all = traced(everyRequest), few = traced(onePercent)
    // CHAIN_BENCH_TRACED=chain, all or few times one of the three (the others print 0), for a profiler.
    let one = getenv("CHAIN_BENCH_TRACED").map { String(cString: $0) }
    var times: [[Double]] = [[], [], []]
    for _ in 0..<rounds {
        times[0].append(one == nil || one == "chain" ? measure(chain, asyncRequest) : 0)
        times[1].append(one == nil || one == "all" ? measure(all, asyncRequest) : 0)
        times[2].append(one == nil || one == "few" ? measure(few, asyncRequest) : 0)
    }
    print("traced (async handler):")
    print("  diagnostic chain: \(String(format2: median(times[0]))) ns/request")
    print("  traced 1.0:       \(String(format2: median(times[1]))) ns/request")
    print("  traced 0.01:      \(String(format2: median(times[2]))) ns/request")
    exit(0)
}
let kinds = [("async handler", asyncRequest), ("synchronous handler", syncRequest)]
    .filter { only == nil || $0.0.hasPrefix(only!) }
// CHAIN_BENCH_ONLY=children runs only the request with two children (below).
for (kind, request) in kinds {
    var bareTimes: [Double] = [], fullTimes: [Double] = [], userTimes: [Double] = []
    // CHAIN_BENCH_ROUTES=bare, chain or user times one set of routes only (the others print 0).
    let routesOnly = getenv("CHAIN_BENCH_ROUTES").map { String(cString: $0) }
    for _ in 0..<rounds {
        bareTimes.append(routesOnly == nil || routesOnly == "bare" ? measure(bare, request) : 0)
        fullTimes.append(routesOnly == nil || routesOnly == "chain" ? measure(chain, request) : 0)
        userTimes.append(routesOnly == nil || routesOnly == "user" ? measure(withUser, request) : 0)
    }
    let medianBare = median(bareTimes), medianFull = median(fullTimes), medianUser = median(userTimes)
    print("\(kind):")
    print("  bare router:      \(String(format2: medianBare)) ns/request")
    print("  diagnostic chain: \(String(format2: medianFull)) ns/request")
    print("  chain adds:       \(String(format2: medianFull - medianBare)) ns/request")
    // The user middleware's cost as the median of each round's difference: the two runs of
    // a round are back to back, so the machine's drift between rounds stays out of it.
    let userAdds = median(zip(userTimes, fullTimes).map { $0 - $1 })
    print("  + user header mw: \(String(format2: medianUser)) ns/request (adds \(String(format2: userAdds)), median of round pairs)")
}

/// Nanoseconds per request through `routes`, each awaited to its end (its children run on
/// the global executor, so this includes handing them over and back).
func measureAwaited(_ routes: Routes, _ request: Request, iterations: Int) async -> Double {
    let start = nanoseconds()
    for _ in 0..<iterations {
        var context = RequestContext(connectionID: 1, loopIndex: 0, logger: logger)
        let responder = routes.responder(for: request, context: &context)
        let response = try? await responder.respond(to: request, context: &context)
        sink.bytes &+= response?.body.count ?? 0
    }
    return Double(nanoseconds() - start) / Double(iterations)
}

if only == nil || only == "children" {
    let childrenRequest = Request(method: .get, target: "/children", headers: ["Host": "127.0.0.1:8080"])
    var bareTimes: [Double] = [], fullTimes: [Double] = []
    // Fewer iterations: each request is two task round trips.
    let awaited = max(1, iterations / 10)
    for _ in 0..<rounds {
        bareTimes.append(await measureAwaited(bare, childrenRequest, iterations: awaited))
        fullTimes.append(await measureAwaited(chain, childrenRequest, iterations: awaited))
    }
    print("children (two spawned and awaited, \(awaited) iterations):")
    print("  bare router:      \(String(format2: median(bareTimes))) ns/request")
    print("  diagnostic chain: \(String(format2: median(fullTimes))) ns/request")
}
precondition(registry.liveCount == 0, "requests left registry entries behind")

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Nanoseconds per call of `body`, median of the rounds.
func part(_ name: String, _ body: () -> Void) {
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = nanoseconds()
        for _ in 0..<iterations { body() }
        samples.append(Double(nanoseconds() - start) / Double(iterations))
    }
    samples.sort()
    print("  \(name): \(String(format2: samples[rounds / 2])) ns")
}

if only != nil && only != "parts" { exit(0) }  // CHAIN_BENCH_ONLY=parts runs only the parts below
print("parts:")
let site = TaskSite()
part("registry entry (register + end)") {
    registry.end(registry.registerRequest(route: "/plaintext", requestID: "abcdef-1", streamID: 0, site: site))
}
part("request with two children (register + end)") {
    let request = registry.registerRequest(route: "/api/v1/order/map", requestID: "abcdef-1", streamID: 0, site: site)
    let first = registry.register(name: "child", parent: request, labels: ["order_id": "1"], site: site, detached: false)
    let second = registry.register(name: "child", parent: request, labels: ["order_id": "2"], site: site, detached: false)
    registry.end(first)
    registry.end(second)
    registry.end(request, status: 200)
}
part("histogram (started + finished)") {
    metrics.requestStarted(shard: 0)
    metrics.requestFinished(route: "/plaintext", method: "GET", status: 200, duration: .microseconds(50), shard: 0)
}
part("clock read and duration") {
    let start = ContinuousClock.now
    sink.bytes &+= Int((ContinuousClock.now - start).components.attoseconds & 1)
}
part("response field (X-Request-Id)") {
    var headers = HTTPHeaders()
    headers.add(name: "X-Request-Id", value: "abcdef-1f2e3d")
    sink.bytes &+= headers.count
}

// Why the registry and the histogram cache use PthreadMutex, and the chain reads the
// clock as plain nanoseconds (ContinuousNanoseconds).
let probeLock = Mutex(0)
part("Synchronization.Mutex lock + unlock") { probeLock.withLock { $0 &+= 1 } }
let probeAtomic = Atomic<Int>(0)
part("atomic add") { probeAtomic.wrappingAdd(1, ordering: .relaxed) }
part("ContinuousClock.now") { sink.bytes &+= Int(ContinuousClock.now.hashValue & 1) }
part("clock_gettime(CLOCK_BOOTTIME)") {
    var spec = timespec()
    clock_gettime(CLOCK_BOOTTIME, &spec)
    sink.bytes &+= spec.tv_nsec & 1
}
let pmutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
pthread_mutex_init(pmutex, nil)
var pcount = 0
part("pthread mutex lock + unlock") { pthread_mutex_lock(pmutex); pcount &+= 1; pthread_mutex_unlock(pmutex) }

extension String {
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        self = "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}

// What middleware values cost: a request id and an observer, as DiagnosticMiddleware stores.
enum BenchKey: RequestContextKey { typealias Value = String }
let benchObserver = ParameterFailureObserver { _, _, _ in }
part("context: new, destroyed") {
    let context = RequestContext(connectionID: 1, loopIndex: 0, logger: logger)
    sink.bytes &+= context.loopIndex
}
part("context: new, 2 values set, destroyed") {
    var context = RequestContext(connectionID: 1, loopIndex: 0, logger: logger)
    context[BenchKey.self] = "abcdef-1f2e3d"
    context[ParameterFailureObserverKey.self] = benchObserver
    sink.bytes &+= context.loopIndex
}
part("context: new, request id set, destroyed") {
    var context = RequestContext(connectionID: 1, loopIndex: 0, logger: logger)
    context[BenchKey.self] = "abcdef-1f2e3d"
    sink.bytes &+= context.loopIndex
}
part("context: new, observer set, destroyed") {
    var context = RequestContext(connectionID: 1, loopIndex: 0, logger: logger)
    context[ParameterFailureObserverKey.self] = benchObserver
    sink.bytes &+= context.loopIndex
}
