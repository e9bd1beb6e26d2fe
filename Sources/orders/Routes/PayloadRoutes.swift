import Server

/// `/payload`: bulk bytes in both directions, for throughput and flow-control checks (an
/// HTTP/2 body larger than the 64 KiB default window must cross several WINDOW_UPDATEs).
///
/// - `GET /payload?size=N` answers N bytes (at most 8 MiB) of a fixed pattern: byte i is
///   `i % 251`, so a client can verify every byte.
/// - `POST /payload` answers `{"received":N,"fnv1a64":"…"}` for the body it got, so a
///   client can check that an upload arrived whole. The digest is always 16 hex digits.
enum PayloadRoutes {
    /// Largest body GET /payload produces.
    static let maxSize = 8 * 1024 * 1024

    static func register(on router: inout Router) {
        router.get("/payload") { request, context in
            let size = try request.require("size", as: Int.self, context: context)
            guard (0...maxSize).contains(size) else {
                throw HTTPError.invalidParameter("size", expected: "an integer from 0 to \(maxSize)", received: String(size), source: .query)
            }
            return Response(contentType: ContentType("application/octet-stream"), body: ResponseBody(pattern(count: size)))
        }
        router.post("/payload") { request, _ in
            let digest = hex16(fnv1a64(request.body))
            return Response(contentType: .json, body: ResponseBody(string: #"{"received":\#(request.body.count),"fnv1a64":"\#(digest)"}"#))
        }
    }

    /// Byte i is i % 251 (a prime, so the pattern does not line up with frame sizes).
    static func pattern(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: index % 251) }
            initialized = count
        }
    }

    /// `value` as 16 lowercase hex digits, leading zeros kept: a digest has a fixed width, and
    /// a client comparing strings must not have to strip or pad.
    static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.utf8.count) + digits
    }

    /// FNV-1a, 64 bits: enough to tell a whole upload from a damaged one (not a MAC).
    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
