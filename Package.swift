// swift-tools-version:6.2
import PackageDescription

/// Strict settings for every Swift target, in the way swift-log and
/// swift-service-lifecycle set them.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // Async functions run on their caller's executor unless marked @concurrent, so a
    // request's middleware, router and handler never hop executors (SE-0461).
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "orders",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orders", targets: ["orders"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "TaskRegistry", targets: ["TaskRegistry"]),
        .library(name: "ServerMetrics", targets: ["ServerMetrics"]),
        .library(name: "Middleware", targets: ["Middleware"]),
        .library(name: "Admin", targets: ["Admin"]),
        .library(name: "ServerTesting", targets: ["ServerTesting"]),
        .library(name: "OrderService", targets: ["OrderService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context", exact: "1.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // System libraries, found through pkg-config: HTTP/2 framing and TLS.
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // gzip for the pprof task profile (`/debug/tasks?debug=0`).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The byte-level hot path: epoll loops, sockets, timers, TLS, the HTTP/1.1 parser,
        // the HTTP/2 glue and the response serializer. No Swift, no allocation per
        // HTTP/1.1 request.
        .target(
            name: "CEventShim",
            dependencies: ["CNGHTTP2", "COpenSSL"],
            cSettings: [
                .unsafeFlags(["-O2", "-fno-strict-aliasing"]),
                .define("_GNU_SOURCE"),
                // The layers (core/, http1/, http2/) include each other's internal headers
                // by name; scripts/check-c-layers.py holds which calls between them are allowed.
                .headerSearchPath("core"),
                .headerSearchPath("http1"),
                .headerSearchPath("http2"),
            ]
        ),
        // The HTTP engine: connection handling, Request/Response, router, executors.
        .target(
            name: "Server",
            dependencies: [
                "CEventShim",
                "JSONEscaping",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        // JSON string escaping, the one implementation every JSON writer here uses.
        .target(name: "JSONEscaping", swiftSettings: strictSwift),
        // Protobuf's wire format written by hand: the OTLP spans and the pprof task profile.
        .target(name: "ProtobufWire", swiftSettings: strictSwift),
        // A pthread mutex with Mutex's API, for the per-loop shards (package-internal).
        .target(name: "Locking", swiftSettings: strictSwift),
        // The task registry: every request, connection and child task while it lives, and
        // its profiles (Go's goroutine profile for Swift tasks, text, JSON and pprof). No HTTP.
        .target(name: "TaskRegistry", dependencies: ["Locking", "JSONEscaping", "ProtobufWire", "CZlib"],
                swiftSettings: strictSwift),
        // HTTP and process metrics and their Prometheus exposition.
        .target(
            name: "ServerMetrics",
            dependencies: ["Server", "Locking", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSwift
        ),
        // The middleware links: request id, access log, metrics, task tracking, recovery,
        // and the five in one (DiagnosticMiddleware).
        .target(
            name: "Middleware",
            dependencies: ["Server", "TaskRegistry", "ServerMetrics", "RequestTracing",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Tracing", package: "swift-distributed-tracing"),
                           .product(name: "W3CTraceContext", package: "swift-w3c-trace-context")],
            swiftSettings: strictSwift
        ),
        // The admin listener's routes: /metrics, /debug/tasks, /debug/vars, /debug/.
        .target(
            name: "Admin",
            dependencies: ["Server", "TaskRegistry", "ServerMetrics", "StructuredLogging",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSwift
        ),
        // Traces: W3C trace context, a swift-distributed-tracing Tracer whose spans go to a
        // sink (the OTLP exporter, or a test's), and a parent-based ratio sampler. No HTTP.
        .target(
            name: "RequestTracing",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
            ],
            swiftSettings: strictSwift
        ),
        // OTLP/HTTP export of finished spans: protobuf bodies (opentelemetry-proto's messages,
        // generated once into Generated/ by scripts/generate-otlp.sh), a bounded queue, and a
        // thread of its own posting to the collector. No SwiftNIO.
        .target(
            name: "OTLP",
            dependencies: [
                "RequestTracing",
                "ProtobufWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
            ],
            swiftSettings: strictSwift
        ),
        // Log handlers: JSON lines written off the loops, and the level changed at run time.
        .target(
            name: "StructuredLogging",
            dependencies: ["JSONEscaping", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        // Drives a server's routes in process, without sockets (as HummingbirdTesting does).
        .target(
            name: "ServerTesting",
            dependencies: ["Server", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        // The order domain: seeded data, inventory cache, stock validator. No HTTP. Its spans
        // go through swift-distributed-tracing's API, as any library's would.
        .target(
            name: "OrderService",
            dependencies: ["JSONEscaping", .product(name: "Tracing", package: "swift-distributed-tracing")],
            swiftSettings: strictSwift
        ),
        // The `orders` command: CLI, routes, wiring.
        .executableTarget(
            name: "orders",
            dependencies: [
                "Server",
                "TaskRegistry",
                "ServerMetrics",
                "Middleware",
                "Admin",
                "OrderService",
                "StructuredLogging",
                "RequestTracing",
                "OTLP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        // The chain's cost per request without sockets (benchmarks/ChainBenchmark).
        .executableTarget(
            name: "chain-bench",
            dependencies: [
                "Server", "TaskRegistry", "ServerMetrics", "Middleware", "RequestTracing", "OTLP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "benchmarks/ChainBenchmark",
            swiftSettings: strictSwift
        ),
        .testTarget(name: "CEventShimTests", dependencies: ["CEventShim"], swiftSettings: strictSwift),
        .testTarget(
            name: "ServerTests",
            dependencies: ["Server", "ServerTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "TaskRegistryTests", dependencies: ["TaskRegistry", "CZlib"], swiftSettings: strictSwift),
        .testTarget(
            name: "ServerMetricsTests",
            dependencies: ["ServerMetrics", "Server", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "MiddlewareTests",
            dependencies: ["Middleware", "TaskRegistry", "ServerMetrics", "Server", "ServerTesting",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "AdminTests",
            dependencies: ["Admin", "TaskRegistry", "ServerMetrics", "Server", "ServerTesting", "StructuredLogging",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "RequestTracingTests",
            dependencies: ["RequestTracing", .product(name: "Tracing", package: "swift-distributed-tracing"),
                           .product(name: "W3CTraceContext", package: "swift-w3c-trace-context")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "OTLPTests",
            dependencies: ["OTLP", "ProtobufWire", "RequestTracing",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                           .product(name: "Tracing", package: "swift-distributed-tracing"),
                           .product(name: "W3CTraceContext", package: "swift-w3c-trace-context")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "StructuredLoggingTests",
            dependencies: ["StructuredLogging", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "OrdersTests",
            dependencies: ["orders", "Server", "ServerTesting", "OrderService", "Middleware", "TaskRegistry", "ServerMetrics",
                           "RequestTracing", .product(name: "Tracing", package: "swift-distributed-tracing"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
                           .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "OrderServiceTests", dependencies: ["OrderService"], swiftSettings: strictSwift),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Server", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
    ]
)

// MARK: - loadtest: the HTTP/1.1 and HTTP/2 load generator and leak watcher (sources under loadtest/)

package.dependencies.append(
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", exact: "0.2.0")
)
package.products.append(.executable(name: "loadtest", targets: ["loadtest"]))
package.targets.append(contentsOf: [
    // The client's hot path: epoll loop, non-blocking connects, keep-alive, pipelining,
    // strict HTTP/1.1 response framing, HTTP/2 (nghttp2) and TLS (OpenSSL, ALPN),
    // per-request timestamps. No Swift; no allocation of its own while a run goes on.
    .target(
        name: "CLoadClient",
        dependencies: ["CNGHTTP2", "COpenSSL"],
        path: "loadtest/Sources/CLoadClient",
        cSettings: [
            .unsafeFlags(["-O2", "-fno-strict-aliasing"]),
            .define("_GNU_SOURCE"),
        ]
    ),
    // Scenarios, pacing, statistics, reports and the leak watcher.
    .target(
        name: "LoadTest",
        dependencies: [
            "CLoadClient",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ],
        path: "loadtest/Sources/LoadTest",
        swiftSettings: strictSwift
    ),
    // The `loadtest` command.
    .executableTarget(
        name: "loadtest",
        dependencies: [
            "LoadTest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        path: "loadtest/Sources/loadtest",
        swiftSettings: strictSwift
    ),
    .testTarget(
        name: "LoadtestTests",
        dependencies: ["LoadTest", "CLoadClient"],
        path: "loadtest/Tests/LoadtestTests",
        swiftSettings: strictSwift
    ),
])
