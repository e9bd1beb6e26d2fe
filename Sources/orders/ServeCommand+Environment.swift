import Foundation
import ArgumentParser

/// `orders serve`'s options set from the environment: `--admin-port` is `ORDERS_ADMIN_PORT`.
///
/// The list of options is argument-parser's own description of `ServeCommand` (the JSON
/// behind `--experimental-dump-help`), so an option added to the command has its variable
/// with no line written here. A variable is turned into the argument its flag would be
/// (`--port=9000`), placed before the command line's own, and argument-parser parses and
/// validates it like any flag: one parser, one set of ranges. A flag on the command line
/// wins over its variable.
enum EnvironmentOptions {
    /// What every variable's name starts with.
    static let prefix = "ORDERS_"

    /// One option of `orders serve` and the variable that sets it.
    struct Binding: Sendable, Hashable {
        /// How a variable's value becomes arguments.
        enum Kind: Sendable, Hashable {
            /// `--name=value`.
            case option
            /// `--name=a --name=b` from `a,b`.
            case repeating
            /// `--name` from true or 1; nothing from false or 0.
            case flag
            /// `--enable-name` from true or 1, `--disable-name` from false or 0.
            case inverted
        }

        /// The long name without its dashes (`admin-port`; `h2c` for `--enable-h2c`).
        let name: String
        /// How a value becomes arguments.
        let kind: Kind
        /// Whether `--help` shows the option (hidden ones are for tests and measurement).
        let isVisible: Bool
        /// The option's section in `--help`.
        let section: String?

        /// `ORDERS_` and the long name in capitals with underscores for dashes.
        var variable: String { EnvironmentOptions.prefix + name.uppercased().replacingOccurrences(of: "-", with: "_") }

        /// The spellings on the command line that set the option.
        var flags: [String] { kind == .inverted ? ["--enable-\(name)", "--disable-\(name)"] : ["--\(name)"] }

        /// The arguments `value` stands for.
        func arguments(for value: String) throws -> [String] {
            switch kind {
            case .option:
                return ["--\(name)=\(value)"]
            case .repeating:
                return value.split(separator: ",", omittingEmptySubsequences: false)
                    .map { "--\(name)=\($0.trimmingCharacters(in: .whitespaces))" }
            case .flag:
                return try Self.boolean(value, variable: variable) ? ["--\(name)"] : []
            case .inverted:
                return try Self.boolean(value, variable: variable) ? ["--enable-\(name)"] : ["--disable-\(name)"]
            }
        }

        /// true, false, 1 or 0, in any case.
        static func boolean(_ value: String, variable: String) throws -> Bool {
            switch value.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw ValidationError("\(variable)='\(value)' is invalid: expected true, false, 1 or 0")
            }
        }

        /// Whether `arguments` (the command line after `serve`) sets the option itself.
        func isSet(in arguments: some Sequence<String>) -> Bool {
            for argument in arguments {
                if argument == "--" { return false }
                if flags.contains(where: { argument == $0 || argument.hasPrefix($0 + "=") }) { return true }
            }
            return false
        }
    }

    /// Every option of `orders serve`, in `--help`'s order.
    static let serve: [Binding] = bindings(of: ServeArguments.self)

    /// The options `type` declares, from argument-parser's description of it.
    static func bindings(of type: any ParsableArguments.Type) -> [Binding] {
        guard let info = try? JSONDecoder().decode(ToolInfo.self, from: Data(type._dumpHelp().utf8)) else {
            preconditionFailure("argument-parser's description of \(type) did not decode")
        }
        let arguments = info.command.arguments ?? []
        let longNames = Set(arguments.compactMap(\.longName))
        var bindings: [Binding] = []
        for argument in arguments {
            guard let long = argument.longName, !builtIn.contains(long), argument.kind != "positional" else { continue }
            let binding: Binding
            if argument.kind == "option" {
                binding = Binding(name: long, kind: argument.isRepeating ? .repeating : .option,
                                  isVisible: argument.shouldDisplay, section: argument.sectionTitle)
            } else if long.hasPrefix("enable-"), longNames.contains("disable-" + long.dropFirst(7)) {
                binding = Binding(name: String(long.dropFirst(7)), kind: .inverted,
                                  isVisible: argument.shouldDisplay, section: argument.sectionTitle)
            } else if long.hasPrefix("disable-"), longNames.contains("enable-" + long.dropFirst(8)) {
                continue  // the pair's --enable- half made the binding
            } else {
                binding = Binding(name: long, kind: .flag, isVisible: argument.shouldDisplay, section: argument.sectionTitle)
            }
            bindings.append(binding)
        }
        return bindings
    }

    /// argument-parser's own flags, which no variable sets.
    static let builtIn: Set<String> = ["help", "help-hidden", "version", "experimental-dump-help"]

    /// Parses the command line (what follows the program's name) with the environment's
    /// options added. Only `serve`, the default subcommand, reads the environment. A value
    /// argument-parser refuses is reported naming its variable (exit status 64); the command
    /// line's own errors, and `--help`, are argument-parser's as ever.
    static func parse(_ arguments: [String], environment: [String: String]) throws -> any ParsableCommand {
        let servesExplicitly = arguments.first == "serve"
        guard servesExplicitly || arguments.first?.hasPrefix("-") ?? true else {
            return try OrdersCommand.parseAsRoot(arguments)
        }
        let head = servesExplicitly ? ["serve"] : []
        let rest = servesExplicitly ? Array(arguments.dropFirst()) : arguments
        do {
            // An empty variable counts as unset, as the OpenTelemetry variables do.
            let set: [(binding: Binding, value: String, arguments: [String])] = try serve.compactMap { binding in
                guard let value = environment[binding.variable], !value.isEmpty, !binding.isSet(in: rest) else { return nil }
                return (binding, value, try binding.arguments(for: value))
            }
            do {
                return try OrdersCommand.parseAsRoot(head + set.flatMap(\.arguments) + rest)
            } catch {
                guard !set.isEmpty, OrdersCommand.exitCode(for: error) != .success else { throw error }
                try blame(error, on: set, commandLine: rest)
                throw error
            }
        } catch {
            // `--help` on the command line answers (argument-parser's help command), whatever
            // the environment holds.
            if let own = try? OrdersCommand.parseAsRoot(arguments), !(own is ServeCommand) { return own }
            throw error
        }
    }

    /// Throws the error that names the variable behind `error`, if one is: the variable
    /// without which the rest parses, or the environment as a whole. Returns when the command
    /// line is at fault by itself.
    private static func blame(_ error: any Error, on set: [(binding: Binding, value: String, arguments: [String])],
                              commandLine: [String]) throws {
        // ServeCommand alone: the same options, without checking the command tree again.
        func parses(_ arguments: [String]) -> Bool { (try? ServeCommand.parse(arguments)) != nil }
        let message = rewrite(OrdersCommand.message(for: error), naming: set.map(\.binding))
        for (index, entry) in set.enumerated() {
            var others = set
            others.remove(at: index)
            if parses(others.flatMap(\.arguments) + commandLine) {
                throw ValidationError("\(entry.binding.variable)='\(entry.value)' is invalid: \(message)")
            }
        }
        if parses(commandLine) || set.contains(where: { message.contains($0.binding.variable) }) {
            throw ValidationError("\(message) (set in the environment: \(set.map(\.binding.variable).joined(separator: ", ")))")
        }
    }

    /// `message` with each flag that came from the environment spelled as its variable
    /// (`--threads must be…` becomes `ORDERS_THREADS must be…`).
    static func rewrite(_ message: String, naming bindings: [Binding]) -> String {
        var message = message
        for binding in bindings {
            for flag in binding.flags {
                // `--port <port>` in argument-parser's messages, but never `--port` inside `--portal`.
                let pattern = NSRegularExpression.escapedPattern(for: flag) + #"(=\S*)?( <[^>]*>)?(?![A-Za-z0-9-])"#
                message = message.replacingOccurrences(of: pattern, with: binding.variable, options: .regularExpression)
            }
        }
        return message
    }

    /// The variables' section of `orders serve --help`.
    static var helpText: String {
        let visible = serve.filter(\.isVisible)
        let width = visible.map(\.variable.count).reduce(0, max) + 2
        let rows = visible.map { binding in
            let padding = String(repeating: " ", count: width - binding.variable.count)
            let flag = binding.kind == .inverted ? "--enable-\(binding.name) / --disable-\(binding.name)" : "--\(binding.name)"
            return "  \(binding.variable)\(padding)\(flag)\(binding.kind == .repeating ? " (comma-separated)" : "")"
        }
        return """
            Every option can also be set by an environment variable: ORDERS_ and the \
            option's long name in capitals, dashes as underscores. A flag on the command \
            line wins over its variable; an empty variable is unset. Repeatable options \
            take a comma-separated list; on/off flags take true, false, 1 or 0.


            """ + rows.joined(separator: "\n")
    }

    // The part of argument-parser's `ToolInfoV0` JSON read here.
    private struct ToolInfo: Decodable {
        struct Command: Decodable { var arguments: [Argument]? }
        struct Argument: Decodable {
            struct Name: Decodable { var kind: String; var name: String }
            var kind: String
            var names: [Name]?
            var isRepeating: Bool
            var shouldDisplay: Bool
            var sectionTitle: String?
            var longName: String? { names?.first(where: { $0.kind == "long" })?.name }
        }
        var command: Command
    }
}

/// `ServeCommand`'s arguments without the command: describing `ServeCommand` itself would
/// read its configuration, whose help text is made from this description.
private struct ServeArguments: ParsableArguments {
    @OptionGroup var serve: ServeCommand
}
