#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLoadClient
import Foundation
import Synchronization

/// Writes a raw results file (`--out`, RawFormat) while a run goes on.
///
/// The loops' threads only encode their sample batches into records and queue them
/// (`append`, called from `LoopWorker.record`); a writer thread of its own writes them, so
/// a loop never waits on the disk. The queue is bounded (`queueLimit` bytes): when the
/// writer falls that far behind, further batches are dropped and counted in the header
/// (`records dropped`), and `loadtest report` says so. A write error stops the writing;
/// the file is then left without its record count, and `loadtest report` refuses it.
public final class RawWriter: Sendable {
    /// Bytes of records waiting for the writer at most (2 Mi records, about 20 s at 100 000 req/s).
    public static let queueLimit = 64 << 20

    struct Queue: Sendable {
        var chunks: [[UInt8]] = []
        var bytes = 0
        var dropped: UInt64 = 0
        var finishing = false
    }

    /// The file being written.
    public let path: String
    let fd: Int32
    let metadata: Mutex<RawMetadata>
    let queue = Mutex(Queue())
    let wake = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    /// Written by the writer thread; read after it ended.
    let written = Mutex<(records: UInt64, error: String?)>((0, nil))
    let started = Atomic(false)

    /// Why the file cannot be written.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates (or truncates) `path`. The header is written by `start`.
    public init(path: String, metadata: RawMetadata) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.fd = fd
        self.metadata = Mutex(metadata)
    }

    /// Writes the header with the run's start and starts the writer thread (before the first `append`).
    public func start(startedAt: Date) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let header = metadata.withLock { metadata in
            metadata.startedAt = ISO8601DateFormatter().string(from: startedAt)
            metadata.startedAtUnixSeconds = startedAt.timeIntervalSince1970
            return Self.header(metadata)
        }
        if let problem = writeAll(header) { written.withLock { $0.error = problem } }
        let thread = Thread { [self] in drain() }
        thread.name = "loadtest-out"
        thread.start()
    }

    /// The header and metadata bytes, with the record count of an unfinished run.
    static func header(_ metadata: RawMetadata) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array((try? encoder.encode(metadata)) ?? Data("{}".utf8))
        var bytes = RawFormat.magic
        bytes += littleEndianBytes(RawFormat.version)
        bytes += littleEndianBytes(UInt16(RawRecord.size))
        bytes += littleEndianBytes(UInt32(json.count))
        bytes += littleEndianBytes(RawFormat.unfinished)
        bytes += littleEndianBytes(UInt64(0))
        return bytes + json
    }

    /// On a loop's thread: queues the records of `samples` (their entries from `entryOfRequest`).
    func append(_ samples: UnsafeBufferPointer<lc_sample>, entryOfRequest: [Int]) {
        guard !samples.isEmpty else { return }
        let size = samples.count * RawRecord.size
        let chunk = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for (index, sample) in samples.enumerated() {
                let request = Int(sample.request_index)
                let entry = sample.request_index != LC_NO_REQUEST && request < entryOfRequest.count ? entryOfRequest[request] : nil
                RawRecord(sample, entry: entry).store(into: raw, at: index * RawRecord.size)
            }
            count = size
        }
        let queued = queue.withLock { queue -> Bool in
            guard !queue.finishing, queue.bytes + size <= Self.queueLimit else {
                queue.dropped += UInt64(samples.count)
                return false
            }
            queue.chunks.append(chunk)
            queue.bytes += size
            return true
        }
        if queued { wake.signal() }
    }

    /// The writer thread: writes queued chunks until `finish` and the queue is empty.
    func drain() {
        while true {
            wake.wait()
            let (chunks, finishing) = queue.withLock { queue in
                let taken = queue.chunks
                queue.chunks.removeAll(keepingCapacity: true)
                queue.bytes = 0
                return (taken, queue.finishing)
            }
            for chunk in chunks {
                let failed = written.withLock { $0.error != nil }
                if failed {
                    queue.withLock { $0.dropped += UInt64(chunk.count / RawRecord.size) }
                    continue
                }
                if let problem = writeAll(chunk) {
                    written.withLock { $0.error = problem }
                    queue.withLock { $0.dropped += UInt64(chunk.count / RawRecord.size) }
                } else {
                    written.withLock { $0.records += UInt64(chunk.count / RawRecord.size) }
                }
            }
            if finishing { break }
        }
        done.signal()
    }

    /// After the loops ended: writes what is queued, the trailer and the record count, and
    /// closes the file. Returns the records dropped, or throws when the file is incomplete.
    @discardableResult
    public func finish(trailer: RawTrailer) throws(Failure) -> UInt64 {
        defer { close(fd) }
        if !started.load(ordering: .acquiring) { start(startedAt: Date()) }
        queue.withLock { $0.finishing = true }
        wake.signal()
        done.wait()
        let dropped = queue.withLock { $0.dropped }
        let (records, error) = written.withLock { ($0.records, $0.error) }
        if let error { throw Failure(description: "\(path): \(error); the file is incomplete") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array((try? encoder.encode(trailer)) ?? Data("{}".utf8))
        if let problem = writeAll(RawFormat.trailerMagic + littleEndianBytes(UInt32(json.count)) + json) {
            throw Failure(description: "\(path): \(problem); the file is incomplete")
        }
        let counts = littleEndianBytes(records) + littleEndianBytes(dropped)
        let patched = counts.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(RawFormat.recordCountOffset)) }
        guard patched == counts.count, fsync(fd) == 0 || errno == EINVAL else {
            throw Failure(description: "\(path): cannot write the record count: \(String(cString: strerror(errno)))")
        }
        return dropped
    }

    /// Before `start`: closes and removes the file (the run did not start).
    public func abandon() {
        guard !started.load(ordering: .acquiring) else { return }
        close(fd)
        unlink(path)
    }

    /// Writes all of `bytes` at the end of the file; nil, or what went wrong.
    func writeAll(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { buffer -> String? in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return "write failed: \(String(cString: strerror(errno)))" }
                offset += n
            }
            return nil
        }
    }
}

/// The little-endian bytes of `value`.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}
