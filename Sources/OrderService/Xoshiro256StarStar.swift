/// The xoshiro256** generator (Blackman and Vigna), seeded through ``SplitMix64``.
///
/// Used only to seed the in-memory data. The bounded helpers below are written out
/// rather than taken from the standard library so that the seeded data cannot change
/// when the standard library changes its algorithms.
struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        self.s0 = seeder.next()
        self.s1 = seeder.next()
        self.s2 = seeder.next()
        self.s3 = seeder.next()
    }

    mutating func next() -> UInt64 {
        let result = (self.s1 &* 5).rotatedLeft(by: 7) &* 9
        let t = self.s1 << 17
        self.s2 ^= self.s0
        self.s3 ^= self.s1
        self.s1 ^= self.s2
        self.s0 ^= self.s3
        self.s2 ^= t
        self.s3 = self.s3.rotatedLeft(by: 45)
        return result
    }

    /// A value in `range`, by multiply-and-shift; the bias is below 2^-40 for the small
    /// ranges used here, which is fine for test data.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: self.next()) }  // the full 64-bit range
        return range.lowerBound + Int(self.next().multipliedFullWidth(by: span).high)
    }

    /// `true` with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        Double(self.next() >> 11) * 0x1p-53 < probability
    }

    /// A uniformly chosen element of a non-empty collection.
    mutating func element<C: RandomAccessCollection>(of collection: C) -> C.Element where C.Index == Int {
        collection[collection.startIndex + self.int(in: 0...(collection.count - 1))]
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(by amount: UInt64) -> UInt64 {
        (self << amount) | (self >> (64 - amount))
    }
}
