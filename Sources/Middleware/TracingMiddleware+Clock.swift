#if canImport(Glibc)
import Glibc
#endif
import Server
import Synchronization

/// The wall-clock time of a server span's start and end, from readings of the server's
/// continuous clock that the request has anyway: its start is when the loop woke to read
/// it (`RequestContext.receivedNanoseconds`), its end the reading the duration histogram
/// takes. So a sampled request reads no clock of its own, and its span lasts exactly the
/// duration it is the exemplar of.
///
/// Wall time is the continuous reading plus an offset between the two clocks. Slewing
/// (NTP) moves both clocks alike, so the offset changes only when the wall clock is set;
/// it is read again at most a second after the last reading, so a step is followed within
/// a second. OpenTelemetry's Java SDK anchors a trace to a monotonic clock the same way.
final class SpanClock: Sendable {
    /// Wall-clock nanoseconds minus continuous-clock nanoseconds.
    private let offset: Atomic<Int64>
    /// The continuous reading after which the offset is read again.
    private let refreshAfter: Atomic<UInt64>

    init() {
        let (offset, reading) = Self.measureOffset()
        self.offset = Atomic(offset)
        refreshAfter = Atomic(reading &+ Self.refreshInterval)
    }

    private static let refreshInterval: UInt64 = 1_000_000_000

    /// The wall-clock time, in nanoseconds since the Unix epoch, of a continuous reading.
    @inline(__always)
    func nanosecondsSinceEpoch(continuous reading: UInt64) -> UInt64 {
        if reading > refreshAfter.load(ordering: .relaxed) { refresh(reading) }
        return UInt64(bitPattern: Int64(bitPattern: reading) &+ offset.load(ordering: .relaxed))
    }

    /// Reads the offset again. Two loops may both do so at once; each stores an offset as
    /// good as the other's.
    @inline(never)
    private func refresh(_ reading: UInt64) {
        refreshAfter.store(reading &+ Self.refreshInterval, ordering: .relaxed)
        offset.store(Self.measureOffset().offset, ordering: .relaxed)
    }

    /// The wall clock read between two continuous readings, against their midpoint.
    private static func measureOffset() -> (offset: Int64, reading: UInt64) {
        let before = ContinuousNanoseconds.now()
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let after = ContinuousNanoseconds.now()
        let wallNanoseconds = Int64(wall.tv_sec) &* 1_000_000_000 &+ Int64(wall.tv_nsec)
        return (wallNanoseconds &- Int64(bitPattern: before &+ (after &- before) / 2), after)
    }
}
