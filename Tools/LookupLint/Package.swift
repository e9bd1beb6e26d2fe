// swift-tools-version:6.2
import PackageDescription

/// The strict settings of the main package.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

// The ignored-lookup lint: a package of its own, so that swift-syntax stays out of the
// server's build. `swift test --package-path Tools/LookupLint` runs it over Sources/.
let package = Package(
    name: "LookupLint",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lookup-lint", targets: ["lookup-lint"]),
        .library(name: "LookupLint", targets: ["LookupLint"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftlang/swift-syntax", exact: "603.0.1"),
    ],
    targets: [
        // The rule: lookups whose missing case becomes a zero value, and force-unwrapped
        // subscripts; the marker that allows one; the command's logic.
        .target(
            name: "LookupLint",
            dependencies: [
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftParser", package: "swift-syntax"),
                .product(name: "SwiftOperators", package: "swift-syntax"),
            ],
            swiftSettings: strictSwift
        ),
        // `lookup-lint PATH...`: prints `file:line:column: message` per finding.
        .executableTarget(name: "lookup-lint", dependencies: ["LookupLint"], swiftSettings: strictSwift),
        .testTarget(name: "LookupLintTests", dependencies: ["LookupLint"], swiftSettings: strictSwift),
    ]
)
