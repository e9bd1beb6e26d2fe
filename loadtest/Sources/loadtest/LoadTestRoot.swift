import ArgumentParser

/// `loadtest`: runs a load (`loadtest URL ...`, the default) or rebuilds reports (`loadtest report FILE...`).
@main
struct LoadTestRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "HTTP/1.1 and HTTP/2 load generator with a task-leak watcher, and its report merger.",
        subcommands: [LoadTestCommand.self, ReportCommand.self],
        defaultSubcommand: LoadTestCommand.self
    )
}
