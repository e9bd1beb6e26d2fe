import Synchronization

/// Decides, cheaply and from any thread, whether a call to a stand-in remote system fails.
///
/// It sits on the hot path, so it avoids locks and the system generator: each draw bumps
/// an atomic counter and hashes it with the SplitMix64 finaliser. Rates of exactly 0 and 1
/// never touch the counter. Draws are deterministic for a given seed when made in order.
final class FailureInjector: Sendable {
    private enum Mode {
        case never
        case always
        case sometimes(threshold: UInt64)
    }

    private let mode: Mode
    private let counter: Atomic<UInt64>

    /// - Parameters:
    ///   - rate: probability of failure; values outside `0...1` are clamped.
    ///   - seed: start of the counter, so that separate injectors draw separate streams.
    init(rate: Double, seed: UInt64) {
        if !(rate > 0) {  // also catches NaN
            self.mode = .never
        } else if rate >= 1 {
            self.mode = .always
        } else {
            // rate < 1, so the product is below 2^64 and the conversion cannot trap.
            self.mode = .sometimes(threshold: UInt64(rate * 0x1p64))
        }
        self.counter = Atomic(SplitMix64.mix(seed))
    }

    /// Whether this call should fail.
    @inline(__always)
    func shouldFail() -> Bool {
        switch self.mode {
        case .never:
            return false
        case .always:
            return true
        case .sometimes(let threshold):
            let step = self.counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
            return SplitMix64.mix(step) < threshold
        }
    }
}
