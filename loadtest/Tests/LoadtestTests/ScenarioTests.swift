import Foundation
import LoadTest
import Testing

@Suite struct ScenarioTests {
    static let mixJSON = """
        {
          "seed": 7,
          "headers": {"Accept": "application/json"},
          "variables": {"order_id": {"min": 1, "max": 100, "missing_fraction": 0.25}},
          "requests": [
            {"name": "map", "weight": 3, "path": "/api/v1/order/map?ids={order_id}"},
            {"weight": 1, "method": "POST", "path": "/api/v1/order/map",
             "headers": {"Content-Type": "application/json"}, "body": "{\\"ids\\":[{order_id}]}"}
          ]
        }
        """

    @Test func numbersRequestIDsAndKnowsEachEntrysPrefix() throws {
        let scenario = try Scenario.parse(json: Data("""
            {"requests": [{"name": "missing", "path": "/a", "headers": {"X-Request-Id": "map-missing-{n}"}},
                          {"name": "plain", "path": "/b"},
                          {"name": "variable first", "path": "/c", "headers": {"x-request-id": "{n}-x"}}]}
            """.utf8))
        #expect(scenario.requests.map(\.requestIDPrefix) == ["map-missing-", nil, nil])
        var renderer = ScenarioRenderer(scenario: scenario, authority: "127.0.0.1:1")
        let ids = (0..<3).map { _ in String(decoding: renderer.render(entry: 0).bytes, as: UTF8.self) }
            .compactMap { $0.split(separator: "\r\n").first { $0.hasPrefix("X-Request-Id: ") } }
        #expect(ids == ["X-Request-Id: map-missing-0", "X-Request-Id: map-missing-1", "X-Request-Id: map-missing-2"])
    }

    @Test func parsesAWeightedScenario() throws {
        let scenario = try Scenario.parse(json: Data(Self.mixJSON.utf8))
        #expect(scenario.seed == 7)
        #expect(scenario.requests.count == 2)
        #expect(scenario.requests[0].label == "map")
        #expect(scenario.requests[1].label == "POST /api/v1/order/map")
        let variable = try #require(scenario.variables?["order_id"])
        #expect(variable.missingFraction == 0.25)
        #expect(variable.missingRange == 101...200, "by default the same-sized range just above max")
    }

    @Test(arguments: [
        (#"{"requests": []}"#, "\"requests\" is empty"),
        (#"{"requests": [{"path": "nope"}]}"#, "path must start with /"),
        (#"{"requests": [{"path": "/a b"}]}"#, "spaces or control characters"),
        (#"{"requests": [{"path": "/x", "weight": 0}]}"#, "weight must be > 0"),
        (#"{"requests": [{"path": "/x", "method": "GE T"}]}"#, "is not a token"),
        (#"{"requests": [{"path": "/x?id={id}"}]}"#, "{id} names no variable"),
        (#"{"variables": {"id": {"min": 5, "max": 1}}, "requests": [{"path": "/{id}"}]}"#, "min > max"),
        (#"{"variables": {"id": {"min": 1, "max": 5, "missing_fraction": 2}}, "requests": [{"path": "/{id}"}]}"#,
         "missing_fraction must be within 0...1"),
        (#"{"requests": [{"path": "/x", "headers": {"Content-Length": "3"}}]}"#, "set by the load client"),
        (#"{"requests": [{"path": "/x", "headers": {"X-A": "a\rb"}}]}"#, "control characters"),
        (#"{"requests": [{"weight": 1}]}"#, "missing \"path\""),
        (#"{"requests": "all"}"#, "wrong type"),
    ])
    func rejectsBadScenarios(json: String, message: String) {
        #expect {
            try Scenario.parse(json: Data(json.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test(arguments: [
        ("/a/{id}/b", [RequestTemplate.Part.literal("/a/"), .variable("id"), .literal("/b")]),
        ("{id}{id}", [.variable("id"), .variable("id")]),
        (#"{"ids":[{order_id}]}"#, [.literal(#"{"ids":["#), .variable("order_id"), .literal("]}")]),
        ("{not an id}", [.literal("{not an id}")]),
        ("{1x}", [.literal("{1x}")]),
        ("no braces", [.literal("no braces")]),
        ("{open", [.literal("{open")]),
        ("", []),
    ])
    func splitsTemplates(text: String, parts: [RequestTemplate.Part]) {
        #expect(RequestTemplate(text).parts == parts)
    }

    @Test func rendersRequestsWithHeadersBodiesAndLengths() throws {
        let scenario = try Scenario.parse(json: Data(Self.mixJSON.utf8))
        var renderer = ScenarioRenderer(scenario: scenario, authority: "127.0.0.1:8080")
        let get = String(decoding: renderer.render(entry: 0).bytes, as: UTF8.self)
        #expect(get.hasPrefix("GET /api/v1/order/map?ids="))
        #expect(get.contains("\r\nHost: 127.0.0.1:8080\r\n"))
        #expect(get.contains("\r\nAccept: application/json\r\n"))
        #expect(get.contains("\r\nUser-Agent: loadtest\r\n"))
        #expect(!get.contains("Content-Length"))
        #expect(get.hasSuffix("\r\n\r\n"))
        let post = String(decoding: renderer.render(entry: 1).bytes, as: UTF8.self)
        let body = try #require(post.components(separatedBy: "\r\n\r\n").last)
        #expect(body.hasPrefix(#"{"ids":["#) && body.hasSuffix("]}"))
        #expect(post.contains("\r\nContent-Length: \(body.utf8.count)\r\n"))
        #expect(post.contains("\r\nContent-Type: application/json\r\n"))
    }

    @Test func drawsIdsFromTheRangeAndTheMissingFraction() {
        let variable = Scenario.Variable(min: 1, max: 1000, missingFraction: 0.1)
        var generator = SeededGenerator(seed: 99)
        let draws = (0..<20_000).map { _ in ScenarioRenderer.draw(variable, using: &generator) }
        let missing = draws.filter { $0 > 1000 }
        #expect(draws.allSatisfy { (1...2000).contains($0) })
        #expect(abs(Double(missing.count) / 20_000 - 0.1) < 0.01)
        #expect(Set(draws.filter { $0 <= 1000 }).count > 990, "the existing range is covered")
    }

    @Test(arguments: [(nil, nil, 1001...2000), (Optional<Int64>(5000), Optional<Int64>(5009), 5000...5009),
                      (Optional<Int64>(7000), nil, 7000...7999)] as [(Int64?, Int64?, ClosedRange<Int64>)])
    func missingRanges(low: Int64?, high: Int64?, expected: ClosedRange<Int64>) {
        #expect(Scenario.Variable(min: 1, max: 1000, missingMin: low, missingMax: high).missingRange == expected)
    }

    @Test func picksEntriesByWeightAndRepeatsWithTheSameSeed() throws {
        let scenario = try Scenario.parse(json: Data(Self.mixJSON.utf8))
        let table = RequestTable(scenario: scenario, authority: "x", count: 8000)
        let first = table.entries.filter { $0 == 0 }.count
        #expect(abs(Double(first) / 8000 - 0.75) < 0.02, "weights 3:1")
        let again = RequestTable(scenario: scenario, authority: "x", count: 8000)
        #expect((0..<50).allSatisfy { table.text(at: $0) == again.text(at: $0) })
        let reseeded = RequestTable(scenario: scenario, authority: "x", count: 8000, seed: 8)
        #expect((0..<50).contains { table.text(at: $0) != reseeded.text(at: $0) })
    }
}
