import Foundation
@testable import LoadTest
import Testing

/// `--stages` parsing, and how a ramp sets up a configuration.
@Suite struct LoadStagesTests {
    @Test(arguments: [
        ("30s:1000/s,1m:5000/s,30s:0/s", LoadStages.Kind.rate, [(30.0, 1000.0), (60, 5000), (30, 0)]),
        ("2s:2000/s", .rate, [(2, 2000)]),
        (" 500ms : 10 /s , 1.5s:0/s ", .rate, [(0.5, 10), (1.5, 0)]),
        ("0s:100/s,10s:100/s", .rate, [(0, 100), (10, 100)]),
        ("30s:16,1m:64", .connections, [(30, 16), (60, 64)]),
        ("1h:1,1h:0", .connections, [(3600, 1), (3600, 0)]),
        ("24h:5", .connections, [(86400, 5)]),
    ] as [(String, LoadStages.Kind, [(Double, Double)])])
    func parsesGoodLists(text: String, kind: LoadStages.Kind, stages: [(Double, Double)]) throws {
        let ramp = try LoadStages.parse(text)
        #expect(ramp.kind == kind)
        #expect(ramp.stages.map(\.duration.secondsValue) == stages.map(\.0))
        #expect(ramp.stages.map(\.target) == stages.map(\.1))
        #expect(ramp.totalDuration.secondsValue == stages.map(\.0).reduce(0, +))
    }

    @Test(arguments: [
        ("", "empty list"),
        ("  ", "empty list"),
        ("30s", "expected DURATION:TARGET"),
        ("30s:100/s,", "stage 2 is empty"),
        (",30s:100/s", "stage 1 is empty"),
        ("30s:1:2", "expected DURATION:TARGET"),
        ("soon:100/s", "not a duration"),
        ("-5s:100/s", "not a duration"),
        ("30s:", "not a number"),
        ("30s:abc/s", "not a number"),
        ("30s:-1/s", "must not be negative"),
        ("30s:-4", "must not be negative"),
        ("30s:nan/s", "not a number"),
        ("30s:inf", "not a number"),
        ("30s:2.5", "whole number"),
        ("30s:200000", "whole number"),
        ("30s:20000000/s", "at most 10M/s"),
        ("30s:100/s,30s:16", "mixes rates"),
        ("0s:100/s", "total duration is zero"),
        ("0s:1,0s:2", "total duration is zero"),
        ("24h:100/s,1s:100/s", "at most 24h"),
        ("25h:4", "at most 24h"),
        (Array(repeating: "1s:10/s", count: 101).joined(separator: ","), "at most 100 stages"),
    ])
    func refusesBadLists(text: String, message: String) {
        #expect {
            try LoadStages.parse(text)
        } throws: { error in
            "\(error)".contains(message) && "\(error)".hasPrefix("--stages")
        }
    }

    static func configuration(rate: Double? = nil, connections: Int = 16, threads: Int = 1) throws -> LoadConfiguration {
        var config = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:1/"), scenario: .single(path: "/"))
        config.rate = rate
        config.connections = connections
        config.threads = threads
        config.duration = .seconds(10)
        return config
    }

    @Test func rateStagesMakeAnOpenLoopAsLongAsTheirSum() throws {
        var config = try Self.configuration()
        try config.apply(stages: try LoadStages.parse("2s:2000/s,3s:10000/s,2s:10000/s"), durationGiven: false)
        try config.validate()
        #expect(config.isOpenLoop)
        #expect(config.duration == .seconds(7))
        #expect(config.stages?.start == 0, "without --rate the ramp starts from 0")
        // Second by second: the integral of the ramp over each second.
        let targets = (0..<8).map { config.targetCount(second: $0) ?? -1 }
        #expect(abs(targets[0] - 500) < 1e-6 && abs(targets[1] - 1500) < 1e-6, "0 -> 2000 over 2 s")
        // 2 s to 5 s ramps 2000 -> 10000: a slope of 8000/3 per second.
        let slope = 8000.0 / 3
        for second in 2..<5 {
            let a = Double(second - 2), b = a + 1
            let integral = 2000 * (b - a) + slope * (b * b - a * a) / 2
            #expect(abs(targets[second] - integral) < 1e-6, "second \(second)")
        }
        #expect(targets[5] == 10000 && targets[6] == 10000)
        #expect(targets[7] == 0, "nothing is due after the stages")
    }

    @Test func rateStagesRampFromTheRateWhenGiven() throws {
        var config = try Self.configuration(rate: 1000)
        try config.apply(stages: try LoadStages.parse("1s:3000/s"), durationGiven: false)
        #expect(config.stages?.start == 1000)
        #expect(abs((config.targetCount(second: 0) ?? 0) - 2000) < 1e-6)
        #expect(config.target(at: .milliseconds(500)) == 2000)
    }

    @Test func connectionStagesOpenTheMostTheyUse() throws {
        var config = try Self.configuration(connections: 4, threads: 2)
        try config.apply(stages: try LoadStages.parse("1s:16,1s:64,1s:8"), durationGiven: false)
        try config.validate()
        #expect(!config.isOpenLoop)
        #expect(config.connections == 64)
        #expect(config.stages?.start == 4, "the ramp starts from -c")
        #expect(config.target(at: .milliseconds(500)) == 10)
        #expect(config.targetCount(second: 0) == nil, "no rate target in the closed loop")
        // Each loop ramps its share of each target.
        let shares = (0..<2).map { config.cStages(ofLoop: $0) }
        defer { for share in shares { share.connections?.deallocate() } }
        #expect(shares.map(\.connectionStart) == [2, 2])
        #expect(shares.map { $0.connections.map { Array($0.map(\.target)) } ?? [] } == [[8, 32, 4], [8, 32, 4]])
    }

    @Test(arguments: [
        ("1s:10/s", true, nil as Double?, "leave out --duration"),
        ("1s:10", false, 5.0, "with --rate, write rates as N/s"),
    ] as [(String, Bool, Double?, String)])
    func refusesConflicts(stages: String, durationGiven: Bool, rate: Double?, message: String) throws {
        var config = try Self.configuration(rate: rate)
        let ramp = try LoadStages.parse(stages)
        #expect {
            try config.apply(stages: ramp, durationGiven: durationGiven)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func summaryNamesEveryStage() throws {
        var ramp = try LoadStages.parse("30s:1000/s,1m:1000/s,30s:0/s")
        ramp.start = 0
        #expect(ramp.summary == "0→1000/s in 30.0s, 1000/s for 60.0s, 1000→0/s in 30.0s")
        #expect(try LoadStages.parse("2s:16").summary == "0→16 connections in 2.00s")
    }
}
