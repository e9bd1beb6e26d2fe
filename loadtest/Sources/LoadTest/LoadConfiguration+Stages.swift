import CLoadClient

extension LoadConfiguration {
    /// Applies `--stages`: the run lasts the stages' sum (so `--duration` is refused), rate
    /// stages ramp from `--rate` (0 when absent), connection stages from `-c`, and the
    /// connections opened are the most the ramp uses.
    public mutating func apply(stages ramp: LoadStages, durationGiven: Bool) throws(Problem) {
        if durationGiven { throw Problem(description: "--stages sets the run's length (their sum); leave out --duration") }
        var ramp = ramp
        switch ramp.kind {
        case .rate:
            ramp.start = rate ?? 0
        case .connections:
            if rate != nil {
                throw Problem(description: "--stages with plain numbers ramps connections (closed loop); with --rate, write rates as N/s")
            }
            ramp.start = Double(connections)
            connections = Int(ramp.peak)
        }
        stages = ramp
        duration = ramp.totalDuration
    }

    func validateStages() throws(Problem) {
        guard let stages else { return }
        if stages.kind == .connections && rate != nil {
            throw Problem(description: "connection stages are for the closed loop; leave out --rate")
        }
        guard duration == stages.totalDuration else { throw Problem(description: "--stages sets the run's length; leave out --duration") }
        if stages.kind == .connections && Int(stages.peak) > connections {
            throw Problem(description: "connection stages reach \(Int(stages.peak)) connections, more than -c \(connections)")
        }
    }

    /// Loop `index`'s share of `count` connections (as `connections(ofLoop:)` shares out -c).
    func share(_ count: Int, ofLoop index: Int) -> Int {
        count / threads + (index < count % threads ? 1 : 0)
    }

    /// The C stages of loop `index`: rate stages (the whole run's, every loop takes its
    /// turns of the same schedule) and connection stages (this loop's share of each target).
    /// The caller frees them once lc_loop_create() has copied them.
    func cStages(ofLoop index: Int) -> (rate: UnsafeMutableBufferPointer<lc_stage>?, connections: UnsafeMutableBufferPointer<lc_stage>?,
                                        connectionStart: UInt32) {
        guard let stages else { return (nil, nil, 0) }
        let raw: [lc_stage]
        var start: UInt32 = 0
        switch stages.kind {
        case .rate:
            raw = stages.prepared
        case .connections:
            start = UInt32(share(Int(stages.start), ofLoop: index))
            raw = LoadStages.prepare(start: Double(start), stages.stages.map { stage in
                (stage.duration, Double(share(Int(stage.target), ofLoop: index)))
            })
        }
        let buffer = UnsafeMutableBufferPointer<lc_stage>.allocate(capacity: raw.count)
        _ = buffer.initialize(from: raw)
        return stages.kind == .rate ? (buffer, nil, 0) : (nil, buffer, start)
    }

    /// The target of second `second` of the run: requests due in it by the schedule (a
    /// rate, or rate stages' integral), 0 after sending ends; nil in the closed loop.
    public func targetCount(second: Int) -> Double? {
        targetCount(from: Double(second), to: Double(second + 1))
    }

    /// Requests due by the schedule between `from` and `to` seconds after the start (none
    /// after sending ends); nil in the closed loop.
    public func targetCount(from: Double, to: Double) -> Double? {
        guard isOpenLoop, let duration else { return nil }
        let end = duration.secondsValue
        let from = min(max(from, 0), end), to = min(max(to, 0), end)
        guard to > from else { return 0 }
        if let stages, stages.kind == .rate {
            return stages.count(at: .nanoseconds(Int64((to * 1e9).rounded())))
                - stages.count(at: .nanoseconds(Int64((from * 1e9).rounded())))
        }
        return (rate ?? 0) * (to - from)
    }

    /// The target now, `elapsed` after the start: the rate (requests/s) in the open loop,
    /// the connections in use under connection stages; nil when there is no target.
    public func target(at elapsed: Duration) -> Double? {
        if let stages { return stages.value(at: elapsed) }
        return rate
    }
}
