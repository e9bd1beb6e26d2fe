import CZlib

/// gzip (RFC 1952) through the system's zlib, for the pprof profile: pprof's tools expect
/// `profile.proto` gzipped, as Go writes it.
enum Gzip {
    /// `input` deflated inside a gzip header and trailer, or `nil` if zlib fails (it can
    /// only run out of memory here) or the input exceeds zlib's 32-bit lengths.
    static func compress(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8]? {
        guard input.count <= Int(UInt32.max) else { return nil }
        // zlib keeps the stream's address from init and checks it on every call, so the
        // stream lives at one address of its own, not in a local that `&` may move.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard czlib_deflate_init_gzip(stream, level) == Z_OK else { return nil }
        defer { deflateEnd(stream) }
        // With room for deflateBound's worst case, one Z_FINISH call ends the stream.
        let bound = Int(deflateBound(stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                // zlib does not write through next_in; its type is not const for old compilers.
                stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.pointee.avail_in = uInt(source.count)
                stream.pointee.next_out = target.baseAddress
                stream.pointee.avail_out = uInt(target.count)
                return deflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.pointee.avail_out))
        return output
    }
}
