/// Figures about this process, read from `/proc` when asked: `process_*` on `/metrics`,
/// and the process part of `/debug/vars`.
///
/// Nothing is sampled in the background; every ``snapshot()`` reads the kernel's current
/// figures, so a scrape costs a few small file reads and no work in between.
public enum ProcessMetrics {
    /// The process's vital figures at one moment.
    ///
    /// On a system without `/proc` (not Linux) the figures that come from it are 0.
    public struct Snapshot: Sendable, Hashable, Codable {
        /// Resident set size, in bytes (`process_resident_memory_bytes`).
        public var residentMemoryBytes: Int
        /// Virtual memory size, in bytes (`process_virtual_memory_bytes`).
        public var virtualMemoryBytes: Int
        /// Open file descriptors (`process_open_fds`).
        public var openFDs: Int
        /// The soft limit on open file descriptors, `RLIMIT_NOFILE` (`process_max_fds`).
        /// `Int.max` when unlimited.
        public var maxFDs: Int
        /// User plus system CPU time, in seconds (`process_cpu_seconds_total`).
        public var cpuSeconds: Double
        /// When the process started, in seconds since the Unix epoch (`process_start_time_seconds`).
        public var startTime: Double
        /// OS threads in the process (`process_threads`).
        public var threads: Int
        /// Seconds since ``startTime``, by the wall clock.
        public var uptime: Double

        public init(
            residentMemoryBytes: Int, virtualMemoryBytes: Int, openFDs: Int, maxFDs: Int,
            cpuSeconds: Double, startTime: Double, threads: Int, uptime: Double
        ) {
            self.residentMemoryBytes = residentMemoryBytes
            self.virtualMemoryBytes = virtualMemoryBytes
            self.openFDs = openFDs
            self.maxFDs = maxFDs
            self.cpuSeconds = cpuSeconds
            self.startTime = startTime
            self.threads = threads
            self.uptime = uptime
        }
    }

    /// Reads the current figures.
    public static func snapshot() -> Snapshot {
        let stat = ProcStat.read()
        let startTime = Host.bootTime + stat.startTicks / Host.clockTicksPerSecond
        return Snapshot(
            residentMemoryBytes: stat.residentPages * Host.pageSize,
            virtualMemoryBytes: stat.virtualBytes,
            openFDs: countOpenFDs(),
            maxFDs: fileDescriptorLimit(),
            cpuSeconds: stat.cpuTicks / Host.clockTicksPerSecond,
            startTime: startTime,
            threads: stat.threads,
            uptime: max(0, wallClockNow() - startTime)
        )
    }
}
