extension Routes {
    /// Templates without captures, by exact path: the common case of routing, found with
    /// one cheap hash and one string comparison instead of a tree walk.
    ///
    /// A `[String: Int]` did this before; hashing the path with the standard library's
    /// seeded SipHash cost more than the rest of routing. The keys are the routes of one
    /// server, fixed at start-up and never chosen by a client, so a simple FNV-1a over the
    /// bytes with open addressing is enough: a request path can only collide its way into
    /// a longer probe, never into a wrong match, since the stored path is compared whole.
    struct LiteralPaths: Sendable {
        private struct Slot: Sendable {
            var hash: UInt64
            var path: String
            var node: Int
        }

        /// A power of two, at most half full; `nil` marks an empty slot.
        private var slots: [Slot?] = Array(repeating: nil, count: 8)
        private var count = 0

        /// Maps `path` to `node`, replacing an earlier entry for the same path.
        mutating func set(_ path: String, node: Int) {
            if (count + 1) * 2 > slots.count { grow() }
            let hash = Self.hash(path)
            var index = Int(truncatingIfNeeded: hash) & (slots.count - 1)
            while let slot = slots[index] {
                if slot.hash == hash && slot.path == path {
                    slots[index]?.node = node
                    return
                }
                index = (index + 1) & (slots.count - 1)
            }
            slots[index] = Slot(hash: hash, path: path, node: node)
            count += 1
        }

        /// The node whose template is exactly `path`.
        func node(for path: String) -> Int? {
            let hash = Self.hash(path)
            var index = Int(truncatingIfNeeded: hash) & (slots.count - 1)
            while let slot = slots[index] {
                if slot.hash == hash && slot.path == path { return slot.node }
                index = (index + 1) & (slots.count - 1)
            }
            return nil
        }

        private mutating func grow() {
            let old = slots
            slots = Array(repeating: nil, count: old.count * 2)
            count = 0
            for case let slot? in old { set(slot.path, node: slot.node) }
        }

        /// 64-bit FNV-1a of the UTF-8 bytes.
        static func hash(_ path: String) -> UInt64 {
            // Over the bytes in place: iterating `String.UTF8View` costs several times more.
            path.utf8.withContiguousStorageIfAvailable(hash(bytes:)) ?? hash(bytes: Array(path.utf8))
        }

        static func hash<Bytes: Collection<UInt8>>(bytes: Bytes) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            return hash
        }
    }
}
