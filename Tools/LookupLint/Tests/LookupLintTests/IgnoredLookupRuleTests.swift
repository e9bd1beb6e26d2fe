import LookupLint
import Testing

/// A snippet with exactly one finding, and where it must be.
struct FlaggedCase: Sendable, CustomTestStringConvertible {
    let source: String
    let line: Int
    let column: Int
    let kind: LookupFinding.Kind
    var testDescription: String { source }

    init(_ source: String, line: Int = 1, column: Int, _ kind: LookupFinding.Kind = .zeroDefault) {
        self.source = source
        self.line = line
        self.column = column
        self.kind = kind
    }
}

@Suite struct IgnoredLookupRuleTests {
    static func check(_ source: String) -> [LookupFinding] {
        IgnoredLookupRule.check(source: source, file: "F.swift")
    }

    static let flagged: [FlaggedCase] = [
        // Every zero value, after a dictionary lookup.
        FlaggedCase("let v = dict[key] ?? 0", column: 9),
        FlaggedCase("let v = dict[key] ?? 0.0", column: 9),
        FlaggedCase("let v = dict[key] ?? -0", column: 9),
        FlaggedCase("let v = dict[key] ?? 0x0_0", column: 9),
        FlaggedCase(#"let v = dict[key] ?? """#, column: 9),
        FlaggedCase("let v = dict[key] ?? false", column: 9),
        FlaggedCase("let v = dict[key] ?? []", column: 9),
        FlaggedCase("let v = dict[key] ?? [:]", column: 9),
        FlaggedCase("let v = dict[key] ?? .zero", column: 9),
        FlaggedCase("let v = dict[key] ?? Decimal.zero", column: 9),
        FlaggedCase("let v = dict[key] ?? .init()", column: 9),
        FlaggedCase("let v = dict[key] ?? Order.init()", column: 9),
        FlaggedCase("let v = dict[key] ?? Order()", column: 9),
        FlaggedCase("let v = dict[key] ?? [Int]()", column: 9),
        FlaggedCase("let v = dict[key] ?? Set<Int>()", column: 9),
        FlaggedCase("let v = dict[key] ?? (0)", column: 9),
        // Lookups of every shape: calls (the incident's line), parses, chains, casts.
        FlaggedCase("let order = store.order(id: id) ?? .zero", column: 13),
        FlaggedCase("let n = Int(text) ?? 0", column: 9),
        FlaggedCase("let n = try cache.value(for: key) ?? 0", column: 13),
        FlaggedCase("let n = await table.count(for: key) ?? 0", column: 15),
        FlaggedCase("let n = cache?[key] ?? 0", column: 9),
        FlaggedCase("let n = dict[key]?.count ?? 0", column: 9),
        FlaggedCase("let n = dict[key]?.items.count ?? 0", column: 9),
        FlaggedCase("let n = dict[key].map { $0 + 1 } ?? 0", column: 9),
        FlaggedCase(#"let n = (json["n"] as? Int) ?? 0"#, column: 10),
        FlaggedCase("let n = mark?.sequences[index] ?? 0", column: 9),
        // Wherever the expression stands.
        FlaggedCase("total += dict[key] ?? 0", column: 10),
        FlaggedCase("if (dict[key] ?? 0) > 3 {}", column: 5),
        FlaggedCase(#"send(dict[key] ?? "")"#, column: 6),
        FlaggedCase("let v = dict[key]\n    ?? 0", column: 9),
        FlaggedCase("func f() {\n    let v = dict[key] ?? 0\n}", line: 2, column: 13),
        // Force-unwrapped subscripts.
        FlaggedCase("let v = dict[key]!", column: 9, .forceUnwrappedSubscript),
        FlaggedCase("let v = (dict[key])!", column: 10, .forceUnwrappedSubscript),
        FlaggedCase("let n = dict[key]!.count", column: 9, .forceUnwrappedSubscript),
        FlaggedCase("let v = cache?[key]!", column: 9, .forceUnwrappedSubscript),
    ]

    @Test(arguments: flagged)
    func flagsLookupsWhoseMissingCaseBecomesZero(_ flaggedCase: FlaggedCase) {
        let findings = Self.check(flaggedCase.source)
        #expect(findings.count == 1, "\(findings)")
        let finding = findings.first
        #expect(finding?.kind == flaggedCase.kind)
        #expect(finding?.line == flaggedCase.line)
        #expect(finding?.column == flaggedCase.column)
        #expect(finding?.message.contains("'guard let'") == true)
        #expect(finding?.message.contains("'request.require'") == true)
    }

    static let clean: [String] = [
        // A named or non-zero default is a decision, not a zero value.
        "let v = dict[key] ?? defaultValue",
        "let v = dict[key] ?? 1",
        "let v = dict[key] ?? -1",
        #"let v = dict[key] ?? "none""#,
        #"let v = dict[key] ?? "\(id)""#,
        "let v = dict[key] ?? true",
        "let v = dict[key] ?? [1]",
        #"let v = dict[key] ?? ["a": 1]"#,
        "let v = dict[key] ?? .fallback",
        "let v = dict[key] ?? .init(1)",
        "let v = dict[key] ?? Order(id: 1)",
        "let v = dict[key] ?? nextID()",
        "let v = dict[key] ?? other[key]",
        // The missing case handled.
        "guard let v = dict[key] else { return }",
        "if let v = dict[key] { use(v) }",
        "switch dict[key] { case .some(let v): use(v); case .none: fail() }",
        "counts[key, default: 0] += 1",
        // Optionals that are no lookup: where their nil came from is not in the expression.
        #"let v = requestID ?? """#,
        "let port = configuration.tls?.port ?? 0",
        "let n = loop.map { count($0) } ?? 0",
        #"let v = nodes[index].template ?? """#,
        // Not a force-unwrapped subscript.
        "let v = array[0]",
        "let v = optional!",
        "let v = store.order(id: id)!",
        // Not code.
        #"let s = "dict[key] ?? 0""#,
        "// let v = dict[key] ?? 0",
    ]

    @Test(arguments: clean)
    func leavesHandledLookupsAlone(_ source: String) {
        #expect(Self.check(source).isEmpty)
    }

    @Test func eachLookupOfAChainEndingInZeroIsFlagged() {
        let findings = Self.check("let v = primary[key] ?? fallback[key] ?? 0")
        #expect(findings.map(\.column) == [9, 25])
        #expect(findings.allSatisfy { $0.kind == .zeroDefault })
    }

    @Test func messageNamesTheExpressionAndItsZero() throws {
        let finding = try #require(Self.check("let order = store.order(id: id) ?? .zero").first)
        #expect(finding.message.hasPrefix("'store.order(id: id) ?? .zero' turns a missing value into the zero value '.zero'"))
        #expect(finding.description.hasPrefix("F.swift:1:13: 'store.order(id: id) ?? .zero'"))
    }

    // MARK: - The marker

    static let allowed: [String] = [
        "let v = dict[key] ?? 0  // lookup-lint: allow — counts start at 0",
        "let v = dict[key] ?? 0  // lookup-lint: allow - counts start at 0",
        "let v = dict[key] ?? 0  //lookup-lint: allow: counts start at 0",
        "// lookup-lint: allow — counts start at 0\nlet v = dict[key] ?? 0",
        "// lookup-lint: allow — counts start at 0\n// and more about why\nlet v = dict[key] ?? 0",
        "let v = dict[key]\n    ?? 0  // lookup-lint: allow — counts start at 0",
        "let v = dict[key]!  // lookup-lint: allow — the key was inserted above",
    ]

    @Test(arguments: allowed)
    func markerWithAReasonAllowsItsLine(_ source: String) {
        #expect(Self.check(source).isEmpty, "\(Self.check(source))")
    }

    @Test func markerAllowsOnlyItsOwnLine() {
        let findings = Self.check("let a = x[k] ?? 0  // lookup-lint: allow — r\nlet b = y[k] ?? 0")
        #expect(findings.map(\.line) == [2])
    }

    @Test func markerWithoutAReasonAllowsNothingAndIsReported() {
        let findings = Self.check("let v = dict[key] ?? 0  // lookup-lint: allow")
        #expect(findings.map(\.kind) == [.zeroDefault, .marker])
        #expect(findings.last?.column == 25)
        #expect(findings.last?.message.contains("needs a reason") == true)
    }

    @Test func markerThatAllowsNothingIsReported() {
        let findings = Self.check("let v = dict[key] ?? 1  // lookup-lint: allow — stale")
        #expect(findings.map(\.kind) == [.marker])
        #expect(findings.first?.message.contains("allows nothing") == true)
    }

    @Test func markerMustStartTheComment() {
        let findings = Self.check("let v = dict[key] ?? 0  // see lookup-lint: allow — r")
        #expect(findings.map(\.kind) == [.zeroDefault])
    }
}
