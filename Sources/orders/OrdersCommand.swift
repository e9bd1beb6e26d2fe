import ArgumentParser
import Foundation

/// `orders`: the reference order service.
@main
struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "A reference order microservice with diagnostic middleware.",
        discussion: """
            Serves /api/v1/order/map, /api/v1/user/fetch, /plaintext, /json, /healthz and \
            /readyz over HTTP/1.1 on an epoll loop per core. SIGTERM or SIGINT drains \
            in-flight requests and exits 0.
            """,
        subcommands: [ServeCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    /// The service's version, reported by /debug/vars (never in the Server header).
    static let version = "0.1.0"

    /// Parses the command line with `serve`'s `ORDERS_…` variables added
    /// (EnvironmentOptions), then runs the command, as argument-parser's `main()` does.
    static func main() async {
        do {
            var command = try EnvironmentOptions.parse(Array(CommandLine.arguments.dropFirst()),
                                                       environment: ProcessInfo.processInfo.environment)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
