import SwiftOperators
import SwiftParser
import SwiftSyntax

/// The ignored-lookup rule, the incident write-up's custom vet rule for Swift.
///
/// The incident was Go's `order := orders[id]` without `ok`: a missing order became the zero
/// order, and everything after it worked on nothing. Swift makes the missing case an
/// optional, but `?? .zero` throws it away just as silently. The rule flags:
///
/// - a *lookup* whose nil is replaced by a *zero value*: `dict[key] ?? 0`,
///   `store.order(id: id) ?? .zero`;
/// - a force-unwrapped subscript, `dict[key]!`, which traps instead.
///
/// A lookup is a subscript or a call (`dict[key]`, `store.order(id:)`, `Int(text)`), also
/// seen through `as?`, `?.member` and Optional's `map`/`flatMap`. A plain optional
/// (`requestID ?? ""`, `config.tls?.port ?? 0`) is not a lookup: where its nil came from is
/// not in the expression. A zero value is what Go would give for a missing key: `0`, `0.0`,
/// `""`, `false`, `[]`, `[:]`, `.zero`, and an initializer without arguments (`.init()`,
/// `T()`, `[T]()`).
///
/// A line comment starting with `lookup-lint: allow` and a reason allows the findings of
/// the line it is on (after code) or of the line below it (alone on its line):
///
///     let order = store.order(id: id) ?? .zero  // lookup-lint: allow — the incident's bug
public enum IgnoredLookupRule {
    /// The marker that allows a finding; a reason must follow it.
    public static let marker = "lookup-lint: allow"

    /// The findings in one file's text, sorted by position.
    public static func check(source: String, file: String) -> [LookupFinding] {
        // `??` is an infix operator: fold the parser's flat sequences into operator trees
        // (standard precedence) so that `x = a[k] ?? 0` has `a[k]` as the left operand.
        let tree = OperatorTable.standardOperators.foldAll(Parser.parse(source: source)) { _ in }
        let visitor = IgnoredLookupVisitor(file: file, converter: SourceLocationConverter(fileName: file, tree: tree))
        visitor.walk(tree)
        return visitor.findings()
    }

    // MARK: - Lookups

    /// The lookup whose nil `expression` yields, or nil when it is no lookup.
    static func lookup(in expression: ExprSyntax) -> ExprSyntax? {
        let expression = unwrapped(expression)
        if expression.is(SubscriptCallExprSyntax.self) { return expression }
        // `(json["n"] as? Int) ?? 0`: a missing key and a wrong type both become 0.
        if let cast = expression.as(AsExprSyntax.self), cast.questionOrExclamationMark?.tokenKind == .postfixQuestionMark {
            return lookup(in: cast.expression)
        }
        if let call = expression.as(FunctionCallExprSyntax.self) {
            // `dict[key].map { $0 + 1 } ?? 0`: Optional's map keeps the lookup's nil.
            if let member = call.calledExpression.as(MemberAccessExprSyntax.self), let base = member.base,
               ["map", "flatMap"].contains(member.declName.baseName.text) {
                return lookup(in: base)
            }
            return expression
        }
        // `dict[key]?.items.count ?? 0`: the nil may be the lookup's, before the `?.`.
        var member = expression
        while let access = member.as(MemberAccessExprSyntax.self), let base = access.base {
            if let chained = base.as(OptionalChainingExprSyntax.self) { return lookup(in: chained.expression) }
            member = base
        }
        return nil
    }

    /// The default a `??` chain ends in: `a ?? b ?? 0` is `a ?? (b ?? 0)`, and both `a`'s
    /// and `b`'s missing cases end in 0.
    static func finalDefault(of expression: ExprSyntax) -> ExprSyntax {
        if let infix = expression.as(InfixOperatorExprSyntax.self), isNilCoalescing(infix) {
            return finalDefault(of: infix.rightOperand)
        }
        return unwrapped(expression)
    }

    static func isNilCoalescing(_ infix: InfixOperatorExprSyntax) -> Bool {
        infix.operator.as(BinaryOperatorExprSyntax.self)?.operator.text == "??"
    }

    // MARK: - Zero values

    /// Whether `expression` is a zero value: what a Go map gives for a missing key, the
    /// value that looks like data but says nothing was there.
    static func isZeroValue(_ expression: ExprSyntax) -> Bool {
        let expression = unwrapped(expression)
        switch expression.as(ExprSyntaxEnum.self) {
        case .integerLiteralExpr(let literal):
            return literal.representedLiteralValue == 0
        case .floatLiteralExpr(let literal):
            return literal.representedLiteralValue == 0
        case .prefixOperatorExpr(let prefix):  // -0
            return prefix.operator.text == "-" && isZeroValue(prefix.expression)
        case .stringLiteralExpr(let literal):  // "", with no interpolation
            return literal.segments.allSatisfy { $0.as(StringSegmentSyntax.self)?.content.text.isEmpty == true }
        case .booleanLiteralExpr(let literal):  // Bool's zero value
            return literal.literal.tokenKind == .keyword(.false)
        case .arrayExpr(let array):  // an empty collection, indistinguishable from "none found"
            return array.elements.isEmpty
        case .dictionaryExpr(let dictionary):
            return dictionary.content.is(TokenSyntax.self)
        case .memberAccessExpr(let member):  // .zero, Int.zero, Order.zero: the type's own zero
            return member.declName.baseName.text == "zero"
        case .functionCallExpr(let call):  // .init(), T(), [T](): a value built from nothing
            return call.arguments.isEmpty && call.trailingClosure == nil && isTypeOrInit(call.calledExpression)
        default:
            return false
        }
    }

    /// Whether `callee` names an initializer: `.init`, `T.init`, a type by the convention
    /// that types are capitalized (`Order`, `Foo.Bar`), or type sugar (`[T]`, `[K: V]`,
    /// `Set<T>`). A lower-case call such as `nextID()` computes a value and is no zero.
    static func isTypeOrInit(_ callee: ExprSyntax) -> Bool {
        switch callee.as(ExprSyntaxEnum.self) {
        case .memberAccessExpr(let member):
            let name = member.declName.baseName
            return name.tokenKind == .keyword(.`init`) || name.text.first?.isUppercase == true
        case .declReferenceExpr(let reference):
            return reference.baseName.text.first?.isUppercase == true
        case .arrayExpr, .dictionaryExpr:
            return true
        case .genericSpecializationExpr(let generic):
            return isTypeOrInit(generic.expression)
        default:
            return false
        }
    }

    /// `expression` without the parentheses, `try` and `await` that do not change its value.
    static func unwrapped(_ expression: ExprSyntax) -> ExprSyntax {
        if let tuple = expression.as(TupleExprSyntax.self), tuple.elements.count == 1,
           let only = tuple.elements.first, only.label == nil {
            return unwrapped(only.expression)
        }
        if let tryExpr = expression.as(TryExprSyntax.self) { return unwrapped(tryExpr.expression) }
        if let awaitExpr = expression.as(AwaitExprSyntax.self) { return unwrapped(awaitExpr.expression) }
        return expression
    }

    // MARK: - Messages

    /// The safe alternatives, named in every finding.
    static let alternatives = "handle the missing case with 'guard let' or 'if let' "
        + "(a request parameter: 'request.require' or 'request.lookup')"

    static func zeroDefaultMessage(coalescing: InfixOperatorExprSyntax, zero: ExprSyntax) -> String {
        "'\(excerpt(coalescing))' turns a missing value into the zero value '\(excerpt(zero))'; " + alternatives
    }

    static func forceUnwrapMessage(subscript lookup: ExprSyntax) -> String {
        "'\(excerpt(lookup))!' traps when the key is missing; " + alternatives
    }

    static let markerWithoutReasonMessage = "'\(marker)' needs a reason after it; it allows nothing until it has one"
    static let unusedMarkerMessage = "'\(marker)' allows nothing here: no lookup on its line is flagged; remove it"

    /// The expression on one line, shortened: a `map` closure can span many.
    static func excerpt(_ expression: some SyntaxProtocol) -> String {
        let words = expression.trimmedDescription.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return words.count <= 80 ? words : words.prefix(79) + "…"
    }
}
