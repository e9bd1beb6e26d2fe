import Testing
@testable import TaskRegistry

@Suite("TaskProfileQuery")
struct TaskProfileQueryTests {
    @Test func defaults() throws {
        let query = try TaskProfileQuery(queryItems: [])
        #expect(query == TaskProfileQuery())
        #expect(query.debug == 1)
        #expect(query.format == .text)
        #expect(query.view == .profile)
        #expect(query.leakThreshold == .seconds(30))
    }

    @Test func parsesEveryParameter() throws {
        let query = try TaskProfileQuery(queryItems: [
            ("debug", "2"), ("format", "json"), ("view", "leaks"), ("min_age", "500ms"), ("name", "request"),
            ("state", "stock-reply"), ("seconds", "60"), ("threshold", "1.5s"), ("unknown", "ignored"), ("name", ""),
        ])
        #expect(query == TaskProfileQuery(debug: 2, format: .json, view: .leaks, minAge: .milliseconds(500),
                                          name: "request", state: .reason("stock-reply"), seconds: 60,
                                          leakThreshold: .milliseconds(1500)))
    }

    @Test(arguments: [
        ("site", TaskProfileQuery.OrphanGrouping.site), ("route", .route), ("request_id", .requestID),
    ])
    func orphanGrouping(value: String, expected: TaskProfileQuery.OrphanGrouping) throws {
        let query = try TaskProfileQuery(queryItems: [("view", "orphans"), ("group_by", value)])
        #expect(query.view == .orphans)
        #expect(query.orphanGrouping == expected)
    }

    @Test(arguments: [
        [("view", "orphans"), ("group_by", "name")], [("view", "orphans"), ("group_by", "ROUTE")],
        [("group_by", "route")], [("view", "leaks"), ("group_by", "route")],
        [("view", "orphans"), ("debug", "2"), ("group_by", "route")], [("view", "orphans"), ("debug", "0"), ("group_by", "site")],
    ])
    func badOrphanGroupingNamesGroupBy(items: [(String, String)]) {
        #expect {
            try TaskProfileQuery(queryItems: items.map { (name: $0.0, value: $0.1) })
        } throws: { error in
            (error as? TaskProfileQuery.InvalidParameter)?.parameter == "group_by"
        }
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("30", .seconds(30)), ("0.25", .milliseconds(250)), ("0", .zero),
    ])
    func durations(text: String, expected: Duration) {
        #expect(TaskProfileQuery.parseDuration(text) == expected)
    }

    @Test(arguments: [
        ("debug", "3"), ("debug", "-1"), ("debug", "x"), ("format", "xml"), ("view", "all"),
        ("min_age", "-5s"), ("min_age", "abc"), ("min_age", "5d"), ("min_age", "inf"), ("min_age", "1e3"),
        ("min_age", "."), ("min_age", "1.2.3s"), ("threshold", "ms"), ("seconds", "0"), ("seconds", "61"),
        ("seconds", "1.5"), ("seconds", "-1"),
    ])
    func badValuesThrowNamingTheParameter(name: String, value: String) {
        #expect {
            _ = try TaskProfileQuery(queryItems: [(name: name, value: value)])
        } throws: { error in
            guard let error = error as? TaskProfileQuery.InvalidParameter else { return false }
            return error.parameter == name && error.message.contains("'\(name)'") && error.message.contains(value)
        }
    }

    @Test func debug0IsThePprofProfileAndTakesTheFilters() throws {
        let query = try TaskProfileQuery(queryItems: [("debug", "0"), ("name", "request"), ("state", "waiting"),
                                                      ("min_age", "1s"), ("seconds", "5"), ("format", "text"),
                                                      ("view", "profile")])
        #expect(query == TaskProfileQuery(debug: 0, minAge: .seconds(1), name: "request", state: .waiting, seconds: 5))
    }

    /// pprof has one shape: JSON or another view with debug=0 is refused, naming the parameter.
    @Test(arguments: [
        ([("debug", "0"), ("format", "json")], "format"), ([("format", "json"), ("debug", "0")], "format"),
        ([("debug", "0"), ("view", "leaks")], "view"),
    ])
    func debug0RefusesParametersThatDoNotApply(items: [(String, String)], parameter: String) {
        #expect {
            _ = try TaskProfileQuery(queryItems: items.map { (name: $0.0, value: $0.1) })
        } throws: { error in
            guard let error = error as? TaskProfileQuery.InvalidParameter else { return false }
            return error.parameter == parameter && error.message.contains("debug=0") && error.message.contains("'\(parameter)'")
        }
    }

    @Test(arguments: ["running", "waiting", "stock-reply"])
    func stateFilter(text: String) {
        let filter = TaskProfileQuery.StateFilter(text)
        #expect(filter.description == text)
        #expect(filter.matches(.running) == (text == "running"))
        #expect(filter.matches(.waiting("stock-reply")) == (text != "running"))
        #expect(filter.matches(.waiting("other")) == (text == "waiting"))
    }
}
