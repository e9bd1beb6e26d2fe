import Foundation
@testable import ServerMetrics
import Testing

@Suite("ProcessMetrics")
struct ProcessMetricsTests {
    @Test("the figures from /proc are plausible")
    func plausible() {
        let snapshot = ProcessMetrics.snapshot()
        let now = Date().timeIntervalSince1970
        #expect(snapshot.residentMemoryBytes > 0)
        #expect(snapshot.virtualMemoryBytes >= snapshot.residentMemoryBytes)
        #expect(snapshot.openFDs >= 3)
        #expect(snapshot.maxFDs >= snapshot.openFDs)
        #expect(snapshot.cpuSeconds >= 0)
        #expect(snapshot.startTime > now - 3600 && snapshot.startTime <= now + 1, "start \(snapshot.startTime), now \(now)")
        #expect(snapshot.uptime >= 0 && snapshot.uptime < 3600)
        #expect(snapshot.threads >= 1)
    }

    @Test("opening files raises the open descriptor count")
    func openFDsGrow() throws {
        let before = ProcessMetrics.snapshot().openFDs
        let handles = try (0..<5).map { _ in try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/stat")) }
        defer { for handle in handles { try? handle.close() } }
        // Other tests run in parallel and open files too, so compare at least, not exactly.
        #expect(ProcessMetrics.snapshot().openFDs >= before + 5 - 2)
    }

    @Test("/proc/self/stat is read from the last parenthesis", arguments: [
        "1234 (orders) S",
        "1234 (ord ers) S",
        "1234 (o) (r) x) S",
    ])
    func statParsing(head: String) {
        // Fields 4...13 are filler; 14 utime, 15 stime, 20 threads, 22 starttime, 23 vsize, 24 rss.
        let tail = " 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 7 0 4200 8192000 300 18446744073709551615"
        let stat = ProcessMetrics.ProcStat.parse(Array((head + tail).utf8))
        #expect(stat.cpuTicks == 400)
        #expect(stat.threads == 7)
        #expect(stat.startTicks == 4200)
        #expect(stat.virtualBytes == 8_192_000)
        #expect(stat.residentPages == 300)
    }

    @Test("btime is found in /proc/stat")
    func bootTime() {
        let stat = "cpu  1 2 3\ncpu0 1 2 3\nintr 5 6\nctxt 9\nbtime 1700000000\nprocesses 12\n"
        #expect(ProcessMetrics.parseBootTime(Array(stat.utf8)) == 1_700_000_000)
        #expect(ProcessMetrics.parseBootTime(Array("cpu 1\n".utf8)) == nil)
    }
}
