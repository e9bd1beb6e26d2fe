import Foundation
import LookupLint
import Testing

/// The rule over the project's own `Sources/`: the incident's line is flagged but for its
/// marker, and nothing else is flagged.
@Suite struct SourcesTreeTests {
    /// The repository's root: Tools/LookupLint/Tests/LookupLintTests/ is four folders down.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let incidentFile = "Sources/OrderService/OrderService+ValidationChildren.swift"
    static let incidentCode = "let order = store.order(id: id) ?? .zero"

    static func incidentSource() throws -> String {
        try String(contentsOfFile: root + "/" + incidentFile, encoding: .utf8)
    }

    @Test func incidentLineCarriesTheMarker() throws {
        let line = try #require(try Self.incidentSource().split(separator: "\n").first { $0.contains(Self.incidentCode) })
        #expect(line.contains("// \(IgnoredLookupRule.marker) — "))
        #expect(IgnoredLookupRule.check(source: try Self.incidentSource(), file: Self.incidentFile).isEmpty)
    }

    @Test func incidentLineIsFlaggedWithoutTheMarker() throws {
        // Every marker comment cut off, lines kept, so positions stay as in the file.
        let lines = try Self.incidentSource().split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard let marker = line.range(of: "// \(IgnoredLookupRule.marker)") else { return String(line) }
            return String(line[..<marker.lowerBound].reversed().drop(while: \.isWhitespace).reversed())
        }
        let index = try #require(lines.firstIndex { $0.contains(Self.incidentCode) })
        let findings = IgnoredLookupRule.check(source: lines.joined(separator: "\n"), file: Self.incidentFile)
        #expect(findings.count == 1, "\(findings)")
        let finding = try #require(findings.first)
        #expect(finding.kind == .zeroDefault)
        #expect(finding.line == index + 1)
        let column = try #require(lines[index].range(of: "store.order"))
        #expect(finding.column == lines[index].utf8.distance(from: lines[index].startIndex, to: column.lowerBound) + 1)
        #expect(finding.message.contains("'store.order(id: id) ?? .zero'"))
    }

    @Test func sourcesTreeIsClean() {
        let sources = Self.root + "/Sources"
        // Not vacuous: the walk finds the project's Swift files.
        #expect(LookupLintCommand.swiftFiles(under: sources).count > 50)
        var output: [String] = []
        var errors: [String] = []
        let status = LookupLintCommand.run([sources], output: { output.append($0) }, errorOutput: { errors.append($0) })
        #expect(status == LookupLintCommand.clean, "\(output.joined(separator: "\n"))")
        #expect(output.isEmpty)
        #expect(errors.isEmpty)
    }
}
