import Synchronization

/// Decides, cheaply and from any thread, whether a call to a stand-in remote system fails.
///
/// It sits on the hot path, so it avoids locks and the system generator: each draw bumps
/// an atomic counter and hashes it with the SplitMix64 finaliser. The rate comes with each
/// draw (from the request's ``DependencySettings``), so a change applies to the next call;
/// the counter, and so the stream of draws, stays. Rates of exactly 0 and 1 never touch the
/// counter. Draws are deterministic for a given seed and rate when made in order.
final class FailureInjector: Sendable {
    private let counter: Atomic<UInt64>

    /// - Parameter seed: start of the counter, so that separate injectors draw separate streams.
    init(seed: UInt64) {
        self.counter = Atomic(SplitMix64.mix(seed))
    }

    /// Whether this call should fail, with probability `rate`; values outside `0...1` are
    /// clamped, and NaN never fails.
    @inline(__always)
    func shouldFail(rate: Double) -> Bool {
        guard rate > 0 else { return false }  // also catches NaN
        guard rate < 1 else { return true }
        // rate < 1, so the product is below 2^64 and the conversion cannot trap.
        let threshold = UInt64(rate * 0x1p64)
        let step = self.counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        return SplitMix64.mix(step) < threshold
    }
}
