import CLoadClient
import Foundation

/// The raw results file written by `--out` (format described in loadtest/README.md):
///
/// ```
/// header   magic "LTRAW\0\r\n" | u16 version | u16 record size (32) | u32 metadata length M
///          | u64 record count (all ones until the run finished) | u64 records dropped
/// metadata M bytes of JSON (RawMetadata)
/// records  record count × 32 bytes (RawRecord)
/// trailer  magic "LTRAWEND" | u32 length T | T bytes of JSON (RawTrailer)
/// ```
///
/// Integers are little-endian.
public enum RawFormat {
    /// The first eight bytes of every raw file.
    public static let magic: [UInt8] = Array("LTRAW\0\r\n".utf8)
    /// Opens the trailer.
    public static let trailerMagic: [UInt8] = Array("LTRAWEND".utf8)
    /// The version this loadtest writes and reads.
    public static let version: UInt16 = 1
    /// Bytes of the fixed header, before the metadata.
    public static let headerSize = 32
    /// Offset of the record count in the header (patched when the run ends).
    static let recordCountOffset: Int = 16
    /// The record count of a file whose run did not finish.
    static let unfinished = UInt64.max
}

/// The run a raw file describes, written before its records.
public struct RawMetadata: Sendable, Codable {
    /// The program that wrote the file.
    public var generator = "loadtest"
    /// The host name of the machine that ran the load.
    public var host: String
    /// The target and the run's settings, as the JSON report has them.
    public var target: LoadReport.Target
    public var config: LoadReport.Config
    /// Scenario entry labels; a record's entry indexes this.
    public var entries: [String]
    /// When sending started: ISO 8601, and seconds since 1970 (fractional; the timeline's origin).
    public var startedAt: String
    public var startedAtUnixSeconds: Double
    /// The run's limits (`loadtest report` judges a merged run by the first input's).
    public var thresholds: Thresholds

    /// The metadata of a run; the start is filled in when sending starts (`RawWriter.start`).
    public init(host: String, target: LoadReport.Target, config: LoadReport.Config, entries: [String],
                thresholds: Thresholds, startedAt: String = "", startedAtUnixSeconds: Double = 0) {
        self.host = host
        self.target = target
        self.config = config
        self.entries = entries
        self.thresholds = thresholds
        self.startedAt = startedAt
        self.startedAtUnixSeconds = startedAtUnixSeconds
    }

    enum CodingKeys: String, CodingKey {
        case generator, host, target, config, entries
        case startedAt = "started_at"
        case startedAtUnixSeconds = "started_at_unix_seconds"
        case thresholds
    }
}

/// What only the end of a run knows: the loops' counters, the elapsed time, the watcher's report.
public struct RawTrailer: Sendable, Codable {
    /// From the start of sending to the last answer.
    public var elapsedSeconds: Double
    /// The loops' counters, summed (as `LoadResult` has them).
    public var sent: UInt64
    public var unsent: UInt64
    public var connects: UInt64
    public var connectsH2: UInt64
    public var tlsFailures: UInt64
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    /// The watcher's report, when the run had one.
    public var watch: WatchReport?
    /// The run's slowest requests and server view, and the server-side limit that stopped
    /// it: what the run saw beyond its records, so that its report can be rebuilt whole.
    public var incident: IncidentReport?
    public var serverThresholds: ServerThresholdReport?
    /// A paced run's target rate for each second from the start (`timeline[].target_rps`):
    /// the schedule is not in the records.
    public var targetRPS: [Double]?
    /// Per scenario entry, its check counts (`by_request[].checks`); nil when no entry has checks.
    public var checks: [LoadReport.EntryChecks?]?

    enum CodingKeys: String, CodingKey {
        case elapsedSeconds = "elapsed_seconds"
        case sent, unsent, connects
        case connectsH2 = "connects_h2"
        case tlsFailures = "tls_failures"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case watch, incident
        case serverThresholds = "server_thresholds"
        case targetRPS = "target_rps"
        case checks
    }

    /// A trailer of these counts (zeros by default).
    public init(elapsedSeconds: Double = 0, sent: UInt64 = 0, unsent: UInt64 = 0, connects: UInt64 = 0, connectsH2: UInt64 = 0,
                tlsFailures: UInt64 = 0, bytesIn: UInt64 = 0, bytesOut: UInt64 = 0, watch: WatchReport? = nil) {
        self.elapsedSeconds = elapsedSeconds
        self.sent = sent
        self.unsent = unsent
        self.connects = connects
        self.connectsH2 = connectsH2
        self.tlsFailures = tlsFailures
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.watch = watch
    }

    /// The counters of `result`, and `watch`.
    public init(_ result: LoadResult, watch: WatchReport?, incident: IncidentReport? = nil,
                serverThresholds: ServerThresholdReport? = nil) {
        elapsedSeconds = result.elapsedSeconds
        sent = result.sent
        unsent = result.unsent
        connects = result.connects
        connectsH2 = result.connectsHTTP2
        tlsFailures = result.tlsFailures
        bytesIn = result.bytesIn
        bytesOut = result.bytesOut
        self.watch = watch
        self.incident = incident
        self.serverThresholds = serverThresholds
        if let last = result.timeline.last?.second, result.timeline.contains(where: { $0.targetRPS != nil }) {
            var targets = [Double](repeating: 0, count: last + 1)
            for point in result.timeline where point.second >= 0 { targets[point.second] = point.targetRPS ?? 0 }
            targetRPS = targets
        }
    }
}

/// One finished request, 32 bytes:
///
/// | offset | type | field |
/// |---:|---|---|
/// | 0 | u64 | intended send time (open loop) or queued time (closed loop), ns after the start; for a connect error, when it failed |
/// | 8 | u64 | latency, ns (0 for errors without one) |
/// | 16 | u32 | completion, whole ms after the start (the timeline's second is this / 1000) |
/// | 20 | u32 | response bytes |
/// | 24 | u16 | HTTP status (0 for errors) |
/// | 26 | u16 | scenario entry (index into the metadata's `entries`; 0xFFFF for connect errors) |
/// | 28 | u8 | error kind (0 none, 1 connect, 2 timeout, 3 reset, 4 protocol) |
/// | 29 | 3 bytes | zero |
public struct RawRecord: Sendable, Equatable {
    /// Bytes of a record.
    public static let size = 32
    /// `entry` of records that belong to no request.
    public static let noEntry: UInt16 = 0xFFFF

    /// The latency's origin, ns after the start (see the table above for each field).
    public var intendedNanoseconds: UInt64
    /// Latency in ns.
    public var latencyNanoseconds: UInt64
    /// Completion, whole ms after the start.
    public var doneMilliseconds: UInt32
    /// Response bytes.
    public var bytes: UInt32
    /// HTTP status; 0 for errors.
    public var status: UInt16
    /// Scenario entry index, or `noEntry`.
    public var entry: UInt16
    /// `ErrorKind` raw value; 0 for a response.
    public var error: UInt8

    /// The record of `sample`, whose request belongs to entry `entry` (nil: none).
    init(_ sample: lc_sample, entry: Int?) {
        intendedNanoseconds = sample.origin_ns
        latencyNanoseconds = sample.latency_ns
        doneMilliseconds = sample.done_ms
        bytes = sample.bytes_in
        status = sample.status
        self.entry = entry.map { UInt16(truncatingIfNeeded: $0) } ?? Self.noEntry
        error = sample.error
    }

    /// Writes the record's 32 bytes at `offset`.
    func store(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        buffer.storeBytes(of: intendedNanoseconds.littleEndian, toByteOffset: offset, as: UInt64.self)
        buffer.storeBytes(of: latencyNanoseconds.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
        buffer.storeBytes(of: doneMilliseconds.littleEndian, toByteOffset: offset + 16, as: UInt32.self)
        buffer.storeBytes(of: bytes.littleEndian, toByteOffset: offset + 20, as: UInt32.self)
        buffer.storeBytes(of: status.littleEndian, toByteOffset: offset + 24, as: UInt16.self)
        buffer.storeBytes(of: entry.littleEndian, toByteOffset: offset + 26, as: UInt16.self)
        buffer.storeBytes(of: UInt32(error).littleEndian, toByteOffset: offset + 28, as: UInt32.self)
    }

    /// Reads a record from the 32 bytes at `offset`.
    init(from buffer: UnsafeRawBufferPointer, at offset: Int) {
        intendedNanoseconds = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        latencyNanoseconds = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        doneMilliseconds = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 16, as: UInt32.self))
        bytes = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 20, as: UInt32.self))
        status = UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 24, as: UInt16.self))
        entry = UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 26, as: UInt16.self))
        error = buffer[offset + 28]
    }

    /// The sample this record came from, its completion moved `shiftMilliseconds` later
    /// (to put it on another run's clock); `request_index` holds the entry.
    func sample(shiftMilliseconds: UInt32 = 0) -> lc_sample {
        var sample = lc_sample()
        sample.latency_ns = latencyNanoseconds
        sample.request_index = entry == Self.noEntry ? LC_NO_REQUEST : UInt32(entry)
        sample.status = status
        sample.error = error
        sample.done_ms = doneMilliseconds &+ shiftMilliseconds
        sample.bytes_in = bytes
        sample.origin_ns = intendedNanoseconds
        return sample
    }
}
