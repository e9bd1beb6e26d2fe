import CZlib

/// gzip (RFC 1952) through the system's zlib, for the pprof profile: pprof's tools expect
/// `profile.proto` gzipped, as Go writes it.
enum Gzip {
    /// `input` deflated inside a gzip header and trailer, or `nil` if zlib fails (it can
    /// only run out of memory here) or the input exceeds zlib's 32-bit lengths.
    static func compress(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8]? {
        guard input.count <= Int(UInt32.max) else { return nil }
        var stream = z_stream()
        guard czlib_deflate_init_gzip(&stream, level) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        // With room for deflateBound's worst case, one Z_FINISH call ends the stream.
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                // zlib does not write through next_in; its type is not const for old compilers.
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }
}
