import ArgumentParser
import Foundation
import Testing
@testable import orders

/// `ORDERS_…` variables: every option of `orders serve` has one, and it does what its flag does.
struct EnvironmentOptionsTests {
    /// A value for one variable, the flags that mean the same, and the flags both need
    /// besides (a TLS key needs its certificate).
    struct Sample: Sendable {
        var value: String
        var flags: [String]
        var context: [String] = []
    }

    /// One sample per option. An option added to `ServeCommand` fails
    /// `everyOptionHasASample` until it gets a line here, and so a test of its variable.
    static let samples: [String: Sample] = [
        "ORDERS_HOST": Sample(value: "127.0.0.2", flags: ["--host", "127.0.0.2"]),
        "ORDERS_PORT": Sample(value: "9000", flags: ["--port", "9000"]),
        "ORDERS_ADMIN_HOST": Sample(value: "127.0.0.3", flags: ["--admin-host", "127.0.0.3"]),
        "ORDERS_ADMIN_PORT": Sample(value: "9001", flags: ["--admin-port", "9001"]),
        "ORDERS_THREADS": Sample(value: "3", flags: ["--threads", "3"]),
        "ORDERS_TLS_CERT": Sample(value: "/tmp/cert.pem", flags: ["--tls-cert", "/tmp/cert.pem"],
                                  context: ["--tls-key", "/tmp/key.pem"]),
        "ORDERS_TLS_KEY": Sample(value: "/tmp/key.pem", flags: ["--tls-key", "/tmp/key.pem"],
                                 context: ["--tls-cert", "/tmp/cert.pem"]),
        "ORDERS_TLS_PORT": Sample(value: "8443", flags: ["--tls-port", "8443"],
                                  context: ["--tls-cert", "/tmp/cert.pem", "--tls-key", "/tmp/key.pem"]),
        "ORDERS_TLS_PROFILE": Sample(value: "modern", flags: ["--tls-profile", "modern"],
                                     context: ["--tls-cert", "/tmp/cert.pem", "--tls-key", "/tmp/key.pem"]),
        "ORDERS_H2C": Sample(value: "false", flags: ["--disable-h2c"]),
        "ORDERS_H2_MAX_CONCURRENT_STREAMS": Sample(value: "50", flags: ["--h2-max-concurrent-streams", "50"]),
        "ORDERS_MAX_REQUEST_LINE": Sample(value: "4096", flags: ["--max-request-line", "4096"]),
        "ORDERS_MAX_HEADER_BYTES": Sample(value: "8192", flags: ["--max-header-bytes", "8192"]),
        "ORDERS_MAX_HEADERS": Sample(value: "50", flags: ["--max-headers", "50"]),
        "ORDERS_MAX_BODY": Sample(value: "2048", flags: ["--max-body", "2048"]),
        "ORDERS_MAX_CONNECTIONS": Sample(value: "10", flags: ["--max-connections", "10"]),
        "ORDERS_HEADER_TIMEOUT": Sample(value: "5000", flags: ["--header-timeout", "5000"]),
        "ORDERS_BODY_TIMEOUT": Sample(value: "5000", flags: ["--body-timeout", "5000"]),
        "ORDERS_IDLE_TIMEOUT": Sample(value: "5000", flags: ["--idle-timeout", "5000"]),
        "ORDERS_WRITE_TIMEOUT": Sample(value: "5000", flags: ["--write-timeout", "5000"]),
        "ORDERS_HANDSHAKE_TIMEOUT": Sample(value: "5000", flags: ["--handshake-timeout", "5000"]),
        "ORDERS_DRAIN_TIMEOUT": Sample(value: "2000", flags: ["--drain-timeout", "2000"]),
        "ORDERS_ORDERS": Sample(value: "100", flags: ["--orders", "100"]),
        "ORDERS_USERS": Sample(value: "10", flags: ["--users", "10"]),
        "ORDERS_SKUS": Sample(value: "20", flags: ["--skus", "20"]),
        "ORDERS_SEED": Sample(value: "7", flags: ["--seed", "7"]),
        "ORDERS_INVENTORY_LATENCY": Sample(value: "5", flags: ["--inventory-latency", "5"]),
        "ORDERS_INVENTORY_FAILURE_RATE": Sample(value: "0.5", flags: ["--inventory-failure-rate", "0.5"]),
        "ORDERS_INVENTORY_CACHE_TTL": Sample(value: "100", flags: ["--inventory-cache-ttl", "100"]),
        "ORDERS_STOCK_LATENCY": Sample(value: "5", flags: ["--stock-latency", "5"]),
        "ORDERS_STOCK_FAILURE_RATE": Sample(value: "0.25", flags: ["--stock-failure-rate", "0.25"]),
        "ORDERS_FAULT": Sample(value: "missing-ok-check, stall", flags: ["--fault", "missing-ok-check", "--fault", "stall"]),
        "ORDERS_LEAK_THRESHOLD": Sample(value: "1000", flags: ["--leak-threshold", "1000"]),
        "ORDERS_SLOW_INVENTORY_LATENCY": Sample(value: "10", flags: ["--slow-inventory-latency", "10"]),
        "ORDERS_STALL_THRESHOLD": Sample(value: "50", flags: ["--stall-threshold", "50"]),
        "ORDERS_MIDDLEWARE": Sample(value: "0", flags: ["--disable-middleware"]),
        "ORDERS_ACCESS_LOG": Sample(value: "FALSE", flags: ["--disable-access-log"]),
        "ORDERS_CAPTURE_BACKTRACES": Sample(value: "true", flags: ["--capture-backtraces"]),
        "ORDERS_OTLP_ENDPOINT": Sample(value: "http://127.0.0.1:4318", flags: ["--otlp-endpoint", "http://127.0.0.1:4318"]),
        "ORDERS_TRACE_SAMPLING": Sample(value: "0.5", flags: ["--trace-sampling", "0.5"]),
        "ORDERS_OTLP_TIMEOUT": Sample(value: "500", flags: ["--otlp-timeout", "500"]),
        "ORDERS_HANDLER_DISPATCH": Sample(value: "global", flags: ["--handler-dispatch", "global"]),
        "ORDERS_EXIT_WHEN_STDIN_CLOSES": Sample(value: "1", flags: ["--exit-when-stdin-closes"]),
        "ORDERS_LOG_LEVEL": Sample(value: "debug", flags: ["--log-level", "debug"]),
        "ORDERS_LOG_FORMAT": Sample(value: "json", flags: ["--log-format", "json"]),
    ]

    /// The parsed command written out field by field (every option's value), to compare two
    /// parses.
    static func parsed(_ arguments: [String]) throws -> String {
        String(describing: try ServeCommand.parse(arguments))
    }

    /// The command line and `environment` parsed as `orders` does, written out.
    static func parsed(_ arguments: [String], environment: [String: String]) throws -> String {
        String(describing: try EnvironmentOptions.parse(arguments, environment: environment))
    }

    @Test func everyOptionOfServeHasAVariableAndASample() {
        // Read from ServeCommand itself, not the description the bindings were made from.
        let variables = EnvironmentOptions.bindings(of: ServeCommand.self).map(\.variable)
        #expect(variables == EnvironmentOptions.serve.map(\.variable))
        #expect(variables.count > 40)
        #expect(Set(variables).count == variables.count)
        #expect(Set(variables) == Set(Self.samples.keys), "options without a sample, or samples without an option")
        #expect(variables.allSatisfy { $0.wholeMatch(of: /ORDERS_[A-Z0-9_]+/) != nil })
    }

    @Test(arguments: EnvironmentOptions.serve)
    func variableDoesWhatItsFlagDoes(_ binding: EnvironmentOptions.Binding) throws {
        let sample = try #require(Self.samples[binding.variable], "no sample for \(binding.variable)")
        let viaVariable = try Self.parsed(["serve"] + sample.context, environment: [binding.variable: sample.value])
        #expect(viaVariable == (try Self.parsed(sample.context + sample.flags)))
        // The variable changed something (the sample is not the default).
        if let without = try? Self.parsed(sample.context) { #expect(viaVariable != without) }
    }

    @Test(arguments: [
        // The variable's flag on the command line wins.
        (["--port", "1234"], ["ORDERS_PORT": "9000"], ["--port", "1234"]),
        (["--port=1234"], ["ORDERS_PORT": "9000"], ["--port", "1234"]),
        (["--fault", "stall"], ["ORDERS_FAULT": "missing-ok-check,slow-inventory"], ["--fault", "stall"]),
        (["--enable-h2c"], ["ORDERS_H2C": "false"], ["--enable-h2c"]),
        (["--disable-access-log"], ["ORDERS_ACCESS_LOG": "true"], ["--disable-access-log"]),
        // Empty means unset; other variables still apply.
        (["--port", "1234"], ["ORDERS_PORT": "", "ORDERS_THREADS": "2"], ["--port", "1234", "--threads", "2"]),
        // A false plain flag leaves its default.
        ([], ["ORDERS_CAPTURE_BACKTRACES": "0"], []),
        // Variables that only make sense together.
        ([], ["ORDERS_TLS_CERT": "/tmp/c.pem", "ORDERS_TLS_KEY": "/tmp/k.pem"], ["--tls-cert", "/tmp/c.pem", "--tls-key", "/tmp/k.pem"]),
        (["--tls-key", "/tmp/k.pem"], ["ORDERS_TLS_CERT": "/tmp/c.pem"], ["--tls-cert", "/tmp/c.pem", "--tls-key", "/tmp/k.pem"]),
    ])
    func flagsAndVariablesCombine(_ arguments: [String], _ environment: [String: String], _ equivalent: [String]) throws {
        for head in [["serve"], []] {
            #expect(try Self.parsed(head + arguments, environment: environment) == (try Self.parsed(equivalent)))
        }
    }

    @Test(arguments: [
        (["ORDERS_PORT": "abc"], "ORDERS_PORT='abc' is invalid", "--port"),
        (["ORDERS_PORT": "70000"], "ORDERS_PORT='70000' is invalid: ports must be between 0 and 65535", "--port"),
        (["ORDERS_THREADS": "-1"], "ORDERS_THREADS='-1' is invalid: ORDERS_THREADS must be between 1 and 256", "--threads"),
        (["ORDERS_FAULT": "nope"], "ORDERS_FAULT='nope' is invalid: unknown fault 'nope'", "--fault"),
        (["ORDERS_FAULT": "stall,nope"], "ORDERS_FAULT='stall,nope' is invalid: unknown fault 'nope'", "--fault"),
        (["ORDERS_H2C": "maybe"], "ORDERS_H2C='maybe' is invalid: expected true, false, 1 or 0", "--enable-h2c"),
        (["ORDERS_LOG_LEVEL": "loud"], "ORDERS_LOG_LEVEL='loud' is invalid", "--log-level"),
        (["ORDERS_STALL_THRESHOLD": "5"], "ORDERS_STALL_THRESHOLD='5' is invalid: ORDERS_STALL_THRESHOLD must be between 10", "--stall"),
        (["ORDERS_TLS_KEY": "/tmp/k.pem"], "ORDERS_TLS_KEY='/tmp/k.pem' is invalid: --tls-cert and ORDERS_TLS_KEY go together", "--tls-key"),
        // One bad variable among good ones is the one named.
        (["ORDERS_PORT": "9000", "ORDERS_THREADS": "0", "ORDERS_SEED": "3"], "ORDERS_THREADS='0' is invalid", "--threads"),
    ])
    func badValuesNameTheVariable(_ environment: [String: String], _ message: String, _ notMentioned: String) throws {
        let error = try #require(throws: (any Error).self) {
            try EnvironmentOptions.parse(["serve"], environment: environment)
        }
        let text = OrdersCommand.message(for: error)
        #expect(text.contains(message), "\(text)")
        #expect(!text.contains(notMentioned), "\(text)")
        #expect(OrdersCommand.exitCode(for: error).rawValue == 64)
    }

    @Test func commandLineErrorsStayTheCommandLines() throws {
        // A bad flag with good variables: argument-parser's own message, about the flag.
        let error = try #require(throws: (any Error).self) {
            try EnvironmentOptions.parse(["serve", "--threads", "0"], environment: ["ORDERS_PORT": "9000"])
        }
        #expect(OrdersCommand.message(for: error) == "--threads must be between 1 and 256")
    }

    @Test(arguments: [["serve", "--help"], ["--help"], ["help", "serve"], ["serve", "-h", "--port", "1"]])
    func helpIgnoresTheEnvironment(_ arguments: [String]) throws {
        // argument-parser's help command, which prints the help when it runs.
        let command = try EnvironmentOptions.parse(arguments, environment: ["ORDERS_PORT": "abc", "ORDERS_H2C": "maybe"])
        #expect(String(describing: type(of: command)) == "HelpCommand")
    }

    @Test func helpListsEveryVisibleVariable() {
        let help = ServeCommand.helpMessage(columns: 200)
        for binding in EnvironmentOptions.serve {
            #expect(help.contains(binding.variable) == binding.isVisible, "\(binding.variable)")
        }
        #expect(help.contains("ORDERS_H2C") && help.contains("--enable-h2c / --disable-h2c"))
        #expect(help.contains("ORDERS_FAULT") && help.contains("comma-separated"))
    }

    @Test func operationsGuideListsEveryVariable() throws {
        let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/OPERATIONS.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        for binding in EnvironmentOptions.serve {
            #expect(text.contains("| `\(binding.variable)` |"), "docs/OPERATIONS.md has no row for \(binding.variable)")
        }
    }
}
