import Logging
import Synchronization
import Testing
@testable import Server

/// Safe parameter lookup: the three outcomes kept apart, 400s that name the parameter, and
/// every failure reported to the observer a middleware stored in the context.
struct SafeLookupTests {
    /// Collects what the observer is told.
    final class Failures: Sendable {
        let seen = Mutex<[String]>([])
        var observer: ParameterFailureObserver {
            ParameterFailureObserver { route, parameter, reason in self.seen.withLock { $0.append("\(route) \(parameter) \(reason)") } }
        }
    }

    static func context(_ failures: Failures) -> RequestContext {
        var context = RequestContext(route: "/r", parameters: Parameters([("id", "42")]), logger: Logger(label: "t"))
        context[ParameterFailureObserverKey.self] = failures.observer
        return context
    }

    @Test(arguments: [
        ("ids=1,2,3", "found [1, 2, 3]"),
        ("other=1", "missing"),
        ("ids=", "missing"),
        ("ids=1,x", "invalid 1,x"),
        ("ids=1,,2", "invalid 1,,2"),
        ("ids=-1", "invalid -1"),
    ])
    func listOfPositiveIntegers(query: String, expected: String) {
        let observer = Failures()
        let request = Request(method: .get, target: "/r?" + query)
        let outcome: String
        switch request.lookup("ids", as: [PositiveInt].self, context: Self.context(observer)) {
        case .found(let ids): outcome = "found \(ids.map(\.value))"
        case .missing: outcome = "missing"
        case .invalid(let received, let expected):
            #expect(expected == "comma-separated list of positive integer")
            outcome = "invalid \(received)"
        }
        #expect(outcome == expected)
        let failures = observer.seen.withLock { $0 }
        #expect(failures == (expected.hasPrefix("found") ? [] : ["/r ids \(expected.hasPrefix("missing") ? "missing" : "invalid")"]))
    }

    @Test func requireOptionalAndDefault() throws {
        let observer = Failures()
        let context = Self.context(observer)
        let request = Request(method: .get, target: "/r?limit=10&flag=true&bad=x", headers: ["X-Count": "3"])
        #expect(try request.require("limit", as: Int.self, context: context) == 10)
        #expect(try request.require("id", as: Int.self, in: .path, context: context) == 42)
        #expect(try request.require("X-Count", as: Int.self, in: .header, context: context) == 3)
        #expect(try request.optional("absent", as: Int.self, context: context) == nil)
        #expect(try request.value("absent", as: Int.self, default: 5, context: context) == 5)
        #expect(try request.value("flag", as: Bool.self, default: false, context: context) == true)
        do {
            _ = try request.require("missing", as: Int.self, context: context)
            Issue.record("expected a 400")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.code == "missing_parameter")
            let body = String(decoding: error.response.body.bytes, as: UTF8.self)
            #expect(body.contains(#""parameter":"missing""#) && body.contains(#""expected":"integer""#))
        }
        do {
            _ = try request.optional("bad", as: Int.self, context: context)
            Issue.record("an invalid value is never silently ignored")
        } catch {
            #expect(error.code == "invalid_parameter")
            let body = String(decoding: error.response.body.bytes, as: UTF8.self)
            #expect(body.contains(#""received":"x""#) && body.contains(#""expected":"integer""#))
        }
        #expect(observer.seen.withLock { $0 } == ["/r absent missing", "/r absent missing", "/r missing missing", "/r bad invalid"])
    }
}
