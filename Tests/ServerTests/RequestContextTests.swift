import Logging
import Testing

@testable import Server

/// `receivedAt` is kept as the shim's nanosecond stamp and converted on demand: what a
/// handler or a test sets is what it reads back, and latency is measured from it.
struct RequestContextTests {
    static let logger = Logger(label: "context-tests")

    @Test(arguments: [Duration.zero, .milliseconds(5), .seconds(3), .seconds(-2), .nanoseconds(1)])
    func receivedAtReadsBackWhatWasSet(offset: Duration) {
        var context = RequestContext(logger: Self.logger)
        let instant = ContinuousClock.now.advanced(by: offset)
        context.receivedAt = instant
        let difference = context.receivedAt - instant
        #expect(difference < .nanoseconds(2) && difference > .nanoseconds(-2), "off by \(difference)")
    }

    @Test func aNewContextWasReceivedNow() {
        let before = ContinuousClock.now
        let context = RequestContext(logger: Self.logger)
        let after = ContinuousClock.now
        #expect(context.receivedAt >= before - .microseconds(1) && context.receivedAt <= after + .microseconds(1))
    }

    @Test func elapsedTimeCountsFromReceivedAt() {
        var context = RequestContext(logger: Self.logger)
        context.receivedAt = ContinuousClock.now - .milliseconds(40)
        let elapsed = ContinuousNanoseconds.elapsed(from: context.receivedNanoseconds, to: ContinuousNanoseconds.now())
        #expect(elapsed >= 40_000_000 && elapsed < 10_000_000_000, "\(elapsed) ns")
        // A stamp from the future (a clock step, a test) gives 0, not a wrapped value.
        context.receivedAt = ContinuousClock.now + .seconds(1)
        #expect(ContinuousNanoseconds.elapsed(from: context.receivedNanoseconds, to: ContinuousNanoseconds.now()) == 0)
    }
}

/// Middleware values: each key reads back what was stored under it, whatever its kind
/// (a string, a class, anything else), beyond the two inline slots, and `nil` removes.
struct RequestContextValuesTests {
    enum Name: RequestContextKey { typealias Value = String }
    final class Box: Sendable { let n: Int; init(_ n: Int) { self.n = n } }
    enum Object: RequestContextKey { typealias Value = Box }
    enum Number: RequestContextKey { typealias Value = Int }
    enum Pair: RequestContextKey { typealias Value = (Int, String) }
    enum Absent: RequestContextKey { typealias Value = String }
    protocol Named: AnyObject, Sendable { var name: String { get } }
    final class Person: Named { let name: String; init(_ name: String) { self.name = name } }
    /// A class-bound existential is two words, not a reference: it must not take the object slot.
    enum Existential: RequestContextKey { typealias Value = any Named }

    @Test func valuesReadBackByKeyAndRemove() {
        var context = RequestContext(logger: Logger(label: "values"))
        #expect(context[Name.self] == nil)
        context[Name.self] = "first"
        context[Object.self] = Box(7)
        context[Number.self] = 42
        context[Pair.self] = (1, "one")
        #expect(context[Name.self] == "first")
        #expect(context[Object.self]?.n == 7)
        #expect(context[Number.self] == 42)
        #expect(context[Pair.self]?.1 == "one")
        #expect(context[Absent.self] == nil)
        context[Name.self] = "again"
        context[Number.self] = 43
        #expect(context[Name.self] == "again" && context[Number.self] == 43, "a key is replaced, not added twice")
        let copy = context
        context[Object.self] = nil
        context[Pair.self] = nil
        #expect(context[Object.self] == nil && context[Pair.self] == nil)
        #expect(copy[Object.self]?.n == 7, "a copy keeps its own values")
        context[Pair.self] = (2, "two")
        #expect(context[Pair.self]?.0 == 2 && context[Name.self] == "again")
        context[Existential.self] = Person("ada")
        #expect(context[Existential.self]?.name == "ada")
        #expect(context.values.objectKey == nil, "a two-word existential never takes the object slot")
        #expect(context.values.more.contains { $0.key == ObjectIdentifier(Existential.self) })
    }

    /// A key that went to the array while its slot was taken, then to the freed slot, is
    /// gone once removed: no stale copy comes back.
    @Test(arguments: [true, false])
    func removedValuesStayRemoved(strings: Bool) {
        enum A: RequestContextKey { typealias Value = String }
        enum B: RequestContextKey { typealias Value = String }
        enum C: RequestContextKey { typealias Value = Box }
        enum D: RequestContextKey { typealias Value = Box }
        var context = RequestContext(logger: Logger(label: "values"))
        if strings {
            context[A.self] = "a"
            context[B.self] = "old"
            context[A.self] = nil
            context[B.self] = "new"
            #expect(context[B.self] == "new")
            context[B.self] = nil
            #expect(context[B.self] == nil)
        } else {
            context[C.self] = Box(1)
            context[D.self] = Box(2)
            context[C.self] = nil
            context[D.self] = Box(3)
            #expect(context[D.self]?.n == 3)
            context[D.self] = nil
            #expect(context[D.self] == nil)
        }
    }
}
