extension Duration {
    /// The duration in whole nanoseconds (negative durations count as zero).
    public var nanosecondsValue: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }

    /// The duration in seconds, as a Double.
    public var secondsValue: Double { Double(nanosecondsValue) / 1e9 }
}
