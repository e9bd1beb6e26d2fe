import ArgumentParser

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
}
