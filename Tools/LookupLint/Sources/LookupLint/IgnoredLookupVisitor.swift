import SwiftSyntax

/// Walks one file: collects the rule's findings and the `lookup-lint: allow` markers, then
/// keeps the findings no marker allows.
final class IgnoredLookupVisitor: SyntaxVisitor {
    /// A marker comment: where it is, the line of code it allows, and whether it gives a reason.
    struct Marker {
        let line: Int
        let column: Int
        let allowedLine: Int
        let hasReason: Bool
    }

    private let file: String
    private let converter: SourceLocationConverter
    /// Each finding with the lines its expression spans: a marker on any of them allows it.
    private var candidates: [(finding: LookupFinding, lines: ClosedRange<Int>)] = []
    private var markers: [Marker] = []

    init(file: String, converter: SourceLocationConverter) {
        self.file = file
        self.converter = converter
        super.init(viewMode: .sourceAccurate)
    }

    override func visit(_ node: InfixOperatorExprSyntax) -> SyntaxVisitorContinueKind {
        if IgnoredLookupRule.isNilCoalescing(node), let lookup = IgnoredLookupRule.lookup(in: node.leftOperand) {
            let zero = IgnoredLookupRule.finalDefault(of: node.rightOperand)
            if IgnoredLookupRule.isZeroValue(zero) {
                add(.zeroDefault, at: lookup, spanning: node,
                    message: IgnoredLookupRule.zeroDefaultMessage(coalescing: node, zero: zero))
            }
        }
        return .visitChildren
    }

    override func visit(_ node: ForceUnwrapExprSyntax) -> SyntaxVisitorContinueKind {
        let unwrapped = IgnoredLookupRule.unwrapped(node.expression)
        if unwrapped.is(SubscriptCallExprSyntax.self) {
            add(.forceUnwrappedSubscript, at: unwrapped, spanning: node,
                message: IgnoredLookupRule.forceUnwrapMessage(subscript: unwrapped))
        }
        return .visitChildren
    }

    /// Comments are trivia of the tokens around them: a comment after code is the trailing
    /// trivia of the line's last token, a comment alone on its line the leading trivia of the
    /// next token. Either way the marker allows that token's line.
    override func visit(_ token: TokenSyntax) -> SyntaxVisitorContinueKind {
        let tokenLine = token.startLocation(converter: converter).line
        var position = token.position
        for piece in token.leadingTrivia {
            noteMarker(piece, at: position, allowing: tokenLine)
            position += piece.sourceLength
        }
        position = token.endPositionBeforeTrailingTrivia
        for piece in token.trailingTrivia {
            noteMarker(piece, at: position, allowing: tokenLine)
            position += piece.sourceLength
        }
        return .visitChildren
    }

    /// The findings no marker allows, and the markers that are wrong, by position.
    func findings() -> [LookupFinding] {
        var used = Set<Int>()
        var kept: [LookupFinding] = []
        for (finding, lines) in candidates {
            let allowing = markers.indices.filter { markers[$0].hasReason && lines.contains(markers[$0].allowedLine) }
            if allowing.isEmpty { kept.append(finding) } else { used.formUnion(allowing) }
        }
        for (index, marker) in markers.enumerated() where !used.contains(index) {
            let message = marker.hasReason ? IgnoredLookupRule.unusedMarkerMessage : IgnoredLookupRule.markerWithoutReasonMessage
            kept.append(LookupFinding(file: file, line: marker.line, column: marker.column, kind: .marker, message: message))
        }
        return kept.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    private func add(_ kind: LookupFinding.Kind, at start: ExprSyntax, spanning whole: some SyntaxProtocol, message: String) {
        let location = start.startLocation(converter: converter)
        let lastLine = whole.endLocation(converter: converter).line
        let finding = LookupFinding(file: file, line: location.line, column: location.column, kind: kind, message: message)
        candidates.append((finding, location.line...max(location.line, lastLine)))
    }

    private func noteMarker(_ piece: TriviaPiece, at position: AbsolutePosition, allowing line: Int) {
        guard case .lineComment(let text) = piece else { return }
        let body = text.dropFirst(2).drop(while: \.isWhitespace)
        guard body.hasPrefix(IgnoredLookupRule.marker) else { return }
        // The reason follows the marker after a dash, an em dash or a colon.
        let reason = body.dropFirst(IgnoredLookupRule.marker.count).drop { $0.isWhitespace || "—–-:".contains($0) }
        let location = converter.location(for: position)
        markers.append(Marker(line: location.line, column: location.column, allowedLine: line, hasReason: !reason.isEmpty))
    }
}
