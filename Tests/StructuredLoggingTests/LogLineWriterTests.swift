#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import StructuredLogging
import Synchronization
import Testing

/// The writer and the level, through a real pipe: lines arrive whole and in order, a
/// reader that does not read costs dropped lines rather than a blocked caller, and a level
/// change reaches loggers made before it.
struct LogLineWriterTests {
    /// A pipe whose read end the test drains; the write end is the writer's.
    final class Pipe {
        let read: Int32, write: Int32
        init() {
            var fds: [Int32] = [0, 0]
            precondition(pipe(&fds) == 0)
            read = fds[0]
            write = fds[1]
            _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
        }
        /// Everything readable within `milliseconds` of quiet.
        func drain(quietMilliseconds: Int = 300) -> [UInt8] {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            var quiet = 0
            while quiet < quietMilliseconds {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
                if n > 0 { out.append(contentsOf: buffer[0..<n]); quiet = 0 } else { usleep(10_000); quiet += 10 }
            }
            return out
        }
        deinit { close(read); close(write) }
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func linesArriveWholeAndInOrder() {
        let pipe = Pipe()
        let writer = LogLineWriter(descriptor: pipe.write)
        for index in 0..<500 { writer.write(Array("line \(index)\n".utf8)) }
        let lines = Self.lines(pipe.drain())
        #expect(lines == (0..<500).map { "line \($0)" })
        #expect(writer.droppedLines == 0)
    }

    @Test func aStalledReaderDropsWholeLinesAndNeverBlocksTheCaller() {
        let pipe = Pipe()
        let counted = Atomic<UInt64>(0)
        let writer = LogLineWriter(descriptor: pipe.write, capacity: 4096) { counted.add(1, ordering: .relaxed) }
        let line = Array((String(repeating: "x", count: 99) + "\n").utf8)
        let started = ContinuousClock.now
        for _ in 0..<3000 { writer.write(line) } // 300 KB: far over the pipe's 64 KB and the 4 KB buffer
        #expect(ContinuousClock.now - started < .seconds(2), "the caller waited on the pipe")
        let dropped = writer.droppedLines
        #expect(dropped > 0)
        #expect(counted.load(ordering: .relaxed) == dropped, "every drop reaches the metric")
        let lines = Self.lines(pipe.drain())
        #expect(lines.allSatisfy { $0 == String(repeating: "x", count: 99) })
        #expect(UInt64(lines.count) + dropped == 3000)
    }

    @Test func aLevelChangeReachesLoggersMadeBeforeIt() {
        let pipe = Pipe()
        let writer = LogLineWriter(descriptor: pipe.write)
        let control = LogLevelControl(.info)
        let logger = Logger(label: "test") { JSONLogHandler(label: $0, control: control, writer: writer) }
        logger.debug("hidden")
        logger.info("shown")
        control.set(.debug)
        logger.debug("now shown")
        control.set(.error)
        logger.warning("hidden again")
        let messages = Self.lines(pipe.drain()).compactMap { line -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["message"] as? String
        }
        #expect(messages == ["shown", "now shown"])
    }

    @Test func theTextFormatFollowsTheLevelToo() {
        let control = LogLevelControl(.warning)
        var handler = LevelControlledLogHandler(StreamLogHandler.standardError(label: "t"), control: control)
        #expect(handler.logLevel == .warning)
        control.set(.trace)
        #expect(handler.logLevel == .trace)
        handler.logLevel = .critical // a copy's own level stays its own
        control.set(.debug)
        #expect(handler.logLevel == .critical)
    }
}
