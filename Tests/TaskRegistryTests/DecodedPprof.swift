import CZlib

/// A pprof profile read back from bytes, independently of the encoder: a protobuf wire
/// reader (varints and length-delimited fields, packed or not) and the few messages a
/// task profile holds, resolved through the string table.
struct DecodedPprof {
    struct Function: Equatable { var name: String; var systemName: String; var filename: String }
    struct Line: Equatable { var function: Function; var line: Int64 }
    struct Location { var id: UInt64; var mappingID: UInt64; var address: UInt64; var lines: [Line] }
    struct Sample { var stack: [Location]; var values: [Int64]; var labels: [String: [String]] }
    struct Mapping { var id: UInt64; var filename: String; var flags: [UInt64: UInt64] }

    var sampleTypes: [(type: String, unit: String)] = []
    var periodType: (type: String, unit: String) = ("", "")
    var period: Int64 = 0
    var timeNanos: Int64 = 0
    var durationNanos: Int64 = 0
    var comments: [String] = []
    var strings: [String] = []
    var samples: [Sample] = []
    var mappings: [Mapping] = []
    var locations: [UInt64: Location] = [:]

    struct Malformed: Error { var reason: String }

    /// One field: its number and either a varint or the bytes of a length-delimited value.
    enum Value { case varint(UInt64), bytes(ArraySlice<UInt8>) }

    static func fields(_ bytes: ArraySlice<UInt8>) throws -> [(number: UInt64, value: Value)] {
        var fields: [(UInt64, Value)] = []
        var position = bytes.startIndex
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard position < bytes.endIndex, shift < 64 else { throw Malformed(reason: "truncated varint") }
                let byte = bytes[position]
                position += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }
        while position < bytes.endIndex {
            let key = try varint()
            switch key & 7 {
            case 0: fields.append((key >> 3, .varint(try varint())))
            case 2:
                let length = Int(try varint())
                guard length <= bytes.endIndex - position else { throw Malformed(reason: "length past the end") }
                fields.append((key >> 3, .bytes(bytes[position..<(position + length)])))
                position += length
            default: throw Malformed(reason: "wire type \(key & 7) is not used by profile.proto's task profile")
            }
        }
        return fields
    }

    /// The varints of a repeated field, packed (length-delimited) or one per field.
    static func varints(_ value: Value) throws -> [UInt64] {
        switch value {
        case .varint(let number): return [number]
        case .bytes(let bytes):
            var numbers: [UInt64] = []
            var rest = bytes
            while !rest.isEmpty {
                var result: UInt64 = 0, shift: UInt64 = 0
                while let byte = rest.popFirst() {
                    result |= UInt64(byte & 0x7F) << shift
                    shift += 7
                    if byte < 0x80 { break }
                }
                numbers.append(result)
            }
            return numbers
        }
    }

    static func message(_ value: Value) throws -> [(number: UInt64, value: Value)] {
        guard case .bytes(let bytes) = value else { throw Malformed(reason: "expected a message") }
        return try fields(bytes)
    }

    static func number(_ fields: [(number: UInt64, value: Value)], _ field: UInt64) -> UInt64 {
        for (number, value) in fields where number == field { if case .varint(let v) = value { return v } }
        return 0
    }

    /// Decodes a serialized `Profile` (not gzipped).
    init(_ bytes: [UInt8]) throws {
        let top = try Self.fields(bytes[...])
        // The string table first: everything else refers to it.
        for (number, value) in top where number == 6 {
            guard case .bytes(let text) = value else { throw Malformed(reason: "string_table entry is not bytes") }
            strings.append(String(decoding: text, as: UTF8.self))
        }
        guard strings.first == "" else { throw Malformed(reason: "string_table[0] must be empty") }
        func string(_ index: UInt64) throws -> String {
            guard index < strings.count else { throw Malformed(reason: "string index \(index) out of range") }
            return strings[Int(index)]
        }
        var functions: [UInt64: Function] = [:]
        for (number, value) in top where number == 5 {
            let fields = try Self.message(value)
            functions[Self.number(fields, 1)] = Function(name: try string(Self.number(fields, 2)),
                                                         systemName: try string(Self.number(fields, 3)),
                                                         filename: try string(Self.number(fields, 4)))
        }
        for (number, value) in top {
            switch number {
            case 1:
                let fields = try Self.message(value)
                sampleTypes.append((try string(Self.number(fields, 1)), try string(Self.number(fields, 2))))
            case 3:
                let fields = try Self.message(value)
                var flags: [UInt64: UInt64] = [:]
                for field in 7...10 { flags[UInt64(field)] = Self.number(fields, UInt64(field)) }
                mappings.append(Mapping(id: Self.number(fields, 1), filename: try string(Self.number(fields, 5)), flags: flags))
            case 4:
                let fields = try Self.message(value)
                var lines: [Line] = []
                for (lineNumber, lineValue) in fields where lineNumber == 4 {
                    let line = try Self.message(lineValue)
                    guard let function = functions[Self.number(line, 1)] else { throw Malformed(reason: "unknown function id") }
                    lines.append(Line(function: function, line: Int64(bitPattern: Self.number(line, 2))))
                }
                let id = Self.number(fields, 1)
                guard id != 0, locations[id] == nil else { throw Malformed(reason: "location id 0 or repeated") }
                locations[id] = Location(id: id, mappingID: Self.number(fields, 2), address: Self.number(fields, 3), lines: lines)
            case 9: timeNanos = Int64(bitPattern: Self.number([(number, value)], 9))
            case 10: durationNanos = Int64(bitPattern: Self.number([(number, value)], 10))
            case 11:
                let fields = try Self.message(value)
                periodType = (try string(Self.number(fields, 1)), try string(Self.number(fields, 2)))
            case 12: period = Int64(bitPattern: Self.number([(number, value)], 12))
            case 13: comments += try Self.varints(value).map(string)
            default: continue
            }
        }
        // Samples last: they refer to locations.
        for (number, value) in top where number == 2 {
            var sample = Sample(stack: [], values: [], labels: [:])
            for (field, content) in try Self.message(value) {
                switch field {
                case 1:
                    for id in try Self.varints(content) {
                        guard let location = locations[id] else { throw Malformed(reason: "sample names location \(id)") }
                        sample.stack.append(location)
                    }
                case 2: sample.values += try Self.varints(content).map { Int64(bitPattern: $0) }
                case 3:
                    let label = try Self.message(content)
                    sample.labels[try string(Self.number(label, 1)), default: []].append(try string(Self.number(label, 2)))
                default: continue
                }
            }
            samples.append(sample)
        }
    }

    /// Decodes a gzipped profile, checking the gzip framing on the way.
    init(gzipped: [UInt8]) throws {
        guard gzipped.count > 18, gzipped[0] == 0x1F, gzipped[1] == 0x8B else { throw Malformed(reason: "not gzip") }
        try self.init(Self.gunzip(gzipped))
    }

    static func gunzip(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Malformed(reason: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var input = input
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output += target[0..<(target.count - Int(stream.avail_out))]
                }
            } while status == Z_OK
        }
        guard status == Z_STREAM_END, stream.avail_in == 0 else { throw Malformed(reason: "inflate: \(status)") }
        return output
    }
}
