import Foundation

/// `lookup-lint PATH...`: checks the Swift files at each path (a directory's recursively)
/// and prints one `file:line:column: message` line per finding.
///
/// Exits 0 when clean, 1 with findings, and 64 (`EX_USAGE`) for bad usage: no path, an
/// unknown option, or a path that cannot be read.
public enum LookupLintCommand {
    /// Nothing was found.
    public static let clean: Int32 = 0
    /// At least one finding was printed.
    public static let foundSome: Int32 = 1
    /// Bad usage (`EX_USAGE` of sysexits.h).
    public static let badUsage: Int32 = 64

    /// The help text.
    public static let usage = """
        usage: lookup-lint PATH...
          Flags lookups whose missing case becomes a zero value (dict[key] ?? 0) and
          force-unwrapped subscripts (dict[key]!) in the Swift files at each PATH
          (directories recursively, hidden folders skipped). A line comment
          '// \(IgnoredLookupRule.marker) — REASON' allows its line's findings.
          Exit status: 0 clean, 1 findings, 64 bad usage.
        """

    /// Runs the command on `arguments` (without the program name); returns the exit status.
    public static func run(_ arguments: [String], output: (String) -> Void, errorOutput: (String) -> Void) -> Int32 {
        if arguments == ["-h"] || arguments == ["--help"] {
            output(usage)
            return clean
        }
        if let option = arguments.first(where: { $0.hasPrefix("-") }) {
            errorOutput("lookup-lint: unknown option '\(option)'\n\(usage)")
            return badUsage
        }
        guard !arguments.isEmpty else {
            errorOutput("lookup-lint: no path given\n\(usage)")
            return badUsage
        }
        var files: [String] = []
        for path in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                errorOutput("lookup-lint: no such file or directory: \(path)")
                return badUsage
            }
            files += isDirectory.boolValue ? swiftFiles(under: path) : [path]
        }
        var findings: [LookupFinding] = []
        for file in files {
            guard let source = try? String(contentsOfFile: file, encoding: .utf8) else {
                errorOutput("lookup-lint: cannot read \(file) as UTF-8 text")
                return badUsage
            }
            findings += IgnoredLookupRule.check(source: source, file: file)
        }
        for finding in findings { output(finding.description) }
        return findings.isEmpty ? clean : foundSome
    }

    /// The `.swift` files under `directory`, as paths that start with `directory`, sorted.
    /// Hidden folders (`.build`, `.git`) are skipped.
    public static func swiftFiles(under directory: String) -> [String] {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let walk = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else {
            return []
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var files: [String] = []
        for case let url as URL in walk where url.pathExtension == "swift" {
            let relative = url.standardizedFileURL.path.dropFirst(root.path.count).drop { $0 == "/" }
            files.append(prefix + relative)
        }
        return files.sorted()
    }
}
