#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Reading /proc with plain system calls: the files are small, and Foundation would be a
// large dependency for a handful of numbers.

extension ProcessMetrics {
    /// The fields of `/proc/self/stat` that the metrics need, in kernel units.
    struct ProcStat {
        var cpuTicks: Double = 0
        var startTicks: Double = 0
        var threads: Int = 0
        var virtualBytes: Int = 0
        var residentPages: Int = 0

        static func read() -> ProcStat {
            guard let bytes = readProcFile("/proc/self/stat") else { return ProcStat() }
            return parse(bytes)
        }

        /// Parses `/proc/self/stat` (proc(5)). The second field, the command name in
        /// parentheses, may itself hold spaces and parentheses, so fields are counted from
        /// the last `)`.
        static func parse(_ bytes: [UInt8]) -> ProcStat {
            guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return ProcStat() }
            // fields[0] is field 3 of proc(5), `state`.
            let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
            func field(_ number: Int) -> Int {
                let index = number - 3
                return index < fields.count ? parseDecimal(fields[index]) : 0
            }
            var stat = ProcStat()
            stat.cpuTicks = Double(field(14)) + Double(field(15))  // utime + stime
            stat.threads = field(20)
            stat.startTicks = Double(field(22))  // since boot
            stat.virtualBytes = field(23)
            stat.residentPages = field(24)
            return stat
        }
    }

    /// Facts about the machine that do not change while the process runs.
    enum Host {
        static let clockTicksPerSecond: Double = {
            let ticks = sysconf(Int32(_SC_CLK_TCK))
            return ticks > 0 ? Double(ticks) : 100
        }()

        static let pageSize: Int = {
            let size = sysconf(Int32(_SC_PAGESIZE))
            return size > 0 ? size : 4096
        }()

        /// The boot time in seconds since the epoch: `btime` in `/proc/stat`.
        static let bootTime: Double = {
            // Without /proc or its btime line: 0, as every figure from /proc is then.
            guard let bytes = readProcFile("/proc/stat"), let seconds = parseBootTime(bytes) else { return 0 }
            return Double(seconds)
        }()
    }

    /// The value of the `btime` line of `/proc/stat`.
    static func parseBootTime(_ bytes: [UInt8]) -> Int? {
        let prefix = Array("btime ".utf8)
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: prefix) {
            return parseDecimal(line.dropFirst(prefix.count))
        }
        return nil
    }

    /// Counts the entries of `/proc/self/fd`, less the descriptor that reading it opens.
    static func countOpenFDs() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".")
            }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)
    }

    /// The soft `RLIMIT_NOFILE`, or `Int.max` when it is unlimited.
    static func fileDescriptorLimit() -> Int {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        // RLIM_INFINITY is all ones, so it is caught here too (Swift cannot import the macro).
        if limit.rlim_cur > rlim_t(Int.max) { return Int.max }
        return Int(limit.rlim_cur)
    }

    /// The wall clock in seconds since the epoch, the clock that `btime` is on.
    static func wallClockNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Reads a whole file. Files in /proc report a size of 0, so this reads until EOF.
    static func readProcFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                result.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                return result
            } else if errno != EINTR {
                return nil
            }
        }
    }

    /// The non-negative decimal number at the start of `digits`; 0 when there is none.
    static func parseDecimal(_ digits: some Collection<UInt8>) -> Int {
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return Int.max }
            value = sum
        }
        return value
    }
}
