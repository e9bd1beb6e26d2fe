import Foundation

/// Why an input of `loadtest report` cannot be used; the description names the file.
public struct ReportInputError: Error, CustomStringConvertible, Equatable {
    /// The input as given.
    public var file: String
    /// What is wrong with it.
    public var message: String
    /// "FILE: message".
    public var description: String { "\(file): \(message)" }

    /// An error about `file`.
    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }
}

/// A raw results file (RawFormat) opened for reading: its header, metadata and trailer are
/// read and checked at once; the records are streamed by `forEachRecord`.
public struct RawFile: Sendable {
    /// The file as given.
    public let path: String
    /// The header's format version (1).
    public let version: UInt16
    /// The run: target, settings, entries, start, host.
    public let metadata: RawMetadata
    /// Records in the file.
    public let recordCount: UInt64
    /// Records the writer could not keep up with (not in the file).
    public let dropped: UInt64
    /// The run's counters at its end.
    public let trailer: RawTrailer
    let recordsOffset: UInt64

    /// Whether `prefix` (a file's first bytes) is a raw file's magic.
    public static func isRaw(_ prefix: Data) -> Bool { prefix.starts(with: RawFormat.magic) }

    /// Opens `path` and checks everything but the records.
    public init(path: String) throws(ReportInputError) {
        func fail(_ message: String) -> ReportInputError { ReportInputError(file: path, message) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot open it for reading") }
        defer { try? handle.close() }
        let size: UInt64
        do { size = try handle.seekToEnd() } catch { throw fail("cannot read it: \(error)") }
        let header = Self.read(handle, at: 0, count: RawFormat.headerSize)
        guard let header, header.count == RawFormat.headerSize else {
            throw fail("truncated: \(size) bytes, shorter than a raw file's \(RawFormat.headerSize)-byte header")
        }
        guard Self.isRaw(header) else { throw fail("not a loadtest raw file (no LTRAW magic)") }
        version = header.littleEndian(UInt16.self, at: 8)
        guard version == RawFormat.version else {
            throw fail("raw format version \(version); this loadtest reads version \(RawFormat.version) only, "
                + "so files of other versions cannot be read or merged with it")
        }
        let recordSize = header.littleEndian(UInt16.self, at: 10)
        guard Int(recordSize) == RawRecord.size else { throw fail("records of \(recordSize) bytes; version 1 has \(RawRecord.size)") }
        let metadataLength = UInt64(header.littleEndian(UInt32.self, at: 12))
        recordCount = header.littleEndian(UInt64.self, at: 16)
        dropped = header.littleEndian(UInt64.self, at: 24)
        guard recordCount != RawFormat.unfinished else {
            throw fail("incomplete: the run writing it did not finish (no record count in the header)")
        }
        let metadataEnd = UInt64(RawFormat.headerSize) + metadataLength
        guard size >= metadataEnd, let metadataBytes = Self.read(handle, at: UInt64(RawFormat.headerSize), count: Int(metadataLength)),
              metadataBytes.count == Int(metadataLength) else {
            throw fail("truncated: \(size) bytes, in its metadata (\(metadataLength) bytes from offset \(RawFormat.headerSize))")
        }
        do { metadata = try JSONDecoder().decode(RawMetadata.self, from: metadataBytes) } catch {
            throw fail("damaged metadata: \(error)")
        }
        guard metadata.entries.count < Int(RawRecord.noEntry) else { throw fail("damaged metadata: too many scenario entries") }
        let (recordBytes, overflow) = recordCount.multipliedReportingOverflow(by: UInt64(RawRecord.size))
        let trailerOffset = metadataEnd &+ recordBytes
        guard !overflow, trailerOffset >= metadataEnd, size >= trailerOffset + 12 else {
            throw fail("truncated: \(size) bytes, but its header announces \(recordCount) records "
                + "(\(metadataEnd + (overflow ? 0 : recordBytes) + 12) bytes at least)")
        }
        guard let trailerHead = Self.read(handle, at: trailerOffset, count: 12), trailerHead.count == 12,
              trailerHead.prefix(8).elementsEqual(RawFormat.trailerMagic) else {
            throw fail("damaged: no trailer after its \(recordCount) records")
        }
        let trailerLength = UInt64(trailerHead.littleEndian(UInt32.self, at: 8))
        guard size == trailerOffset + 12 + trailerLength else {
            throw fail(size < trailerOffset + 12 + trailerLength
                       ? "truncated: \(size) bytes, in its trailer" : "damaged: \(size - trailerOffset - 12 - trailerLength) bytes after its trailer")
        }
        guard let trailerBytes = Self.read(handle, at: trailerOffset + 12, count: Int(trailerLength)) else { throw fail("cannot read its trailer") }
        do { trailer = try JSONDecoder().decode(RawTrailer.self, from: trailerBytes) } catch {
            throw fail("damaged trailer: \(error)")
        }
        self.path = path
        recordsOffset = metadataEnd
    }

    /// Calls `body` with every record, in file order, reading a chunk at a time.
    public func forEachRecord(_ body: (RawRecord) -> Void) throws(ReportInputError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ReportInputError(file: path, "cannot open it for reading") }
        defer { try? handle.close() }
        let perChunk: UInt64 = 32_768
        var index: UInt64 = 0
        while index < recordCount {
            let count = Int(min(perChunk, recordCount - index))
            guard let chunk = Self.read(handle, at: recordsOffset + index * UInt64(RawRecord.size), count: count * RawRecord.size),
                  chunk.count == count * RawRecord.size else {
                throw ReportInputError(file: path, "truncated while reading record \(index)")
            }
            var bad: (UInt64, String)?
            chunk.withUnsafeBytes { buffer in
                for i in 0..<count {
                    let record = RawRecord(from: buffer, at: i * RawRecord.size)
                    if record.error > 4 || (record.entry != RawRecord.noEntry && Int(record.entry) >= metadata.entries.count) {
                        bad = (index + UInt64(i), "error kind \(record.error), entry \(record.entry)")
                        return
                    }
                    body(record)
                }
            }
            if let (position, what) = bad { throw ReportInputError(file: path, "damaged record \(position) (\(what))") }
            index += UInt64(count)
        }
    }

    static func read(_ handle: FileHandle, at offset: UInt64, count: Int) -> Data? {
        do {
            try handle.seek(toOffset: offset)
            return try handle.read(upToCount: count) ?? Data()
        } catch {
            return nil
        }
    }
}

extension Data {
    /// The little-endian integer at `offset`.
    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
