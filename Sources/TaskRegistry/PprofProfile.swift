import ProtobufWire

/// A profile in pprof's format (`perftools.profiles.Profile`, github.com/google/pprof
/// `proto/profile.proto`), built up and then encoded: as much of the format as a count
/// profile uses, the kind Go's goroutine profile is.
///
/// Strings, functions and locations are interned as they are added, so each is written
/// once and referred to by index (strings) or id (functions, locations: 1, 2, …). One
/// mapping, the main binary, holds every location and says that it has functions, files,
/// lines and inlined frames already: pprof then has nothing to symbolize (without any
/// mapping it warns "Main binary filename not available").
struct PprofProfile {
    /// A function: string-table indices of its name, the name the system knows it by (0:
    /// none), and its source file (0: unknown).
    struct Function: Hashable {
        var name: Int64
        var systemName: Int64
        var filename: Int64
    }

    /// One line of a location: a function and a line in it.
    struct Line: Hashable {
        var functionID: UInt64
        var line: Int64
    }

    /// A place in the code: an address (0 when there is none) and its lines, the innermost
    /// (inlined) function first, the function it was inlined into last.
    struct Location: Hashable {
        var address: UInt64
        var lines: [Line]
    }

    /// A stack (leaf first), a value per sample type, and string labels.
    struct Sample {
        var locationIDs: [UInt64]
        var values: [Int64]
        /// String-table indices of each label's key and value.
        var labels: [(key: Int64, value: Int64)]
    }

    private(set) var strings: [String] = [""]
    private var stringIndices: [String: Int64] = ["": 0]
    private(set) var functions: [Function] = []
    private var functionIDs: [Function: UInt64] = [:]
    private(set) var locations: [Location] = []
    private var locationIDs: [Location: UInt64] = [:]
    private(set) var samples: [Sample] = []

    /// What each sample's values count: `(type, unit)` string indices.
    private var sampleTypes: [(type: Int64, unit: Int64)] = []
    private var periodType: (type: Int64, unit: Int64) = (0, 0)
    private var period: Int64 = 0
    private var comments: [Int64] = []
    /// When the profile was taken, in nanoseconds since the Unix epoch.
    var timeNanos: Int64 = 0
    /// The time the profile covers, when it covers one.
    var durationNanos: Int64 = 0
    /// The path of the main binary, the one mapping's file ("" when unknown).
    var mainBinary = ""

    /// A profile whose samples have one value each, of `sampleType`, taken every `period`
    /// events of `periodType`.
    init(sampleType: (type: String, unit: String), periodType: (type: String, unit: String), period: Int64) {
        sampleTypes = [(string(sampleType.type), string(sampleType.unit))]
        self.periodType = (string(periodType.type), string(periodType.unit))
        self.period = period
    }

    /// The index of `text` in the string table, adding it if new.
    mutating func string(_ text: String) -> Int64 {
        if let index = stringIndices[text] { return index }
        let index = Int64(strings.count)
        strings.append(text)
        stringIndices[text] = index
        return index
    }

    /// The id of the function named `name`, adding it if new.
    mutating func functionID(name: String, systemName: String = "", filename: String) -> UInt64 {
        let function = Function(name: string(name), systemName: string(systemName), filename: string(filename))
        if let id = functionIDs[function] { return id }
        functions.append(function)
        let id = UInt64(functions.count)
        functionIDs[function] = id
        return id
    }

    /// The id of `location`, adding it if new.
    mutating func locationID(_ location: Location) -> UInt64 {
        if let id = locationIDs[location] { return id }
        locations.append(location)
        let id = UInt64(locations.count)
        locationIDs[location] = id
        return id
    }

    /// Adds a sample: `locationIDs` leaf first, `values` one per sample type, string labels.
    mutating func addSample(locationIDs: [UInt64], values: [Int64], labels: [(key: String, value: String)]) {
        let indexed = labels.map { (key: string($0.key), value: string($0.value)) }
        samples.append(Sample(locationIDs: locationIDs, values: values, labels: indexed))
    }

    /// Adds a free-form comment (pprof shows comments in its reports' headers).
    mutating func addComment(_ text: String) {
        comments.append(string(text))
    }

    // MARK: Encoding

    /// The id of the one mapping.
    static let mappingID: UInt64 = 1

    // Field numbers of profile.proto.
    private enum Field {
        // Profile
        static let sampleType: UInt64 = 1, sample: UInt64 = 2, mapping: UInt64 = 3, location: UInt64 = 4
        static let function: UInt64 = 5
        static let stringTable: UInt64 = 6, timeNanos: UInt64 = 9, durationNanos: UInt64 = 10
        static let periodType: UInt64 = 11, period: UInt64 = 12, comment: UInt64 = 13
        // ValueType
        static let valueTypeType: UInt64 = 1, valueTypeUnit: UInt64 = 2
        // Sample
        static let sampleLocationID: UInt64 = 1, sampleValue: UInt64 = 2, sampleLabel: UInt64 = 3
        // Label
        static let labelKey: UInt64 = 1, labelStr: UInt64 = 2
        // Mapping
        static let mappingID: UInt64 = 1, mappingFilename: UInt64 = 5, mappingHasFunctions: UInt64 = 7
        static let mappingHasFilenames: UInt64 = 8, mappingHasLineNumbers: UInt64 = 9, mappingHasInlineFrames: UInt64 = 10
        // Location
        static let locationID: UInt64 = 1, locationMappingID: UInt64 = 2, locationAddress: UInt64 = 3
        static let locationLine: UInt64 = 4
        // Line
        static let lineFunctionID: UInt64 = 1, lineLine: UInt64 = 2
        // Function
        static let functionID: UInt64 = 1, functionName: UInt64 = 2, functionSystemName: UInt64 = 3
        static let functionFilename: UInt64 = 4
    }

    /// The serialized `Profile` message (not gzipped).
    func encoded() -> [UInt8] {
        // Interned before the string table is written.
        var profile = self
        let mainBinary = profile.string(self.mainBinary)
        return profile.encoded(mainBinary: mainBinary)
    }

    private func encoded(mainBinary: Int64) -> [UInt8] {
        var writer = ProtobufWriter(bytes: [])
        writer.bytes.reserveCapacity(256 + samples.count * 48 + locations.count * 16 + strings.count * 24)
        var scratch = ProtobufWriter(bytes: [])
        for sampleType in sampleTypes {
            appendValueType(Field.sampleType, sampleType, to: &writer)
        }
        for sample in samples {
            writer.appendMessageField(Field.sample, scratch: &scratch) { content in
                content.appendPackedVarintField(Field.sampleLocationID, sample.locationIDs)
                content.appendPackedVarintField(Field.sampleValue, sample.values.lazy.map { UInt64(bitPattern: $0) })
                for label in sample.labels {
                    let key = UInt64(label.key), value = UInt64(label.value)
                    content.appendLengthDelimitedHeader(Field.sampleLabel,
                                                        length: ProtobufWriter.varintFieldSize(Field.labelKey, key)
                                                            + ProtobufWriter.varintFieldSize(Field.labelStr, value))
                    content.appendVarintField(Field.labelKey, key)
                    content.appendVarintField(Field.labelStr, value)
                }
            }
        }
        writer.appendMessageField(Field.mapping, scratch: &scratch) { content in
            content.appendVarintField(Field.mappingID, Self.mappingID)
            if mainBinary != 0 { content.appendVarintField(Field.mappingFilename, UInt64(mainBinary)) }
            for field in [Field.mappingHasFunctions, Field.mappingHasFilenames, Field.mappingHasLineNumbers,
                          Field.mappingHasInlineFrames] {
                content.appendVarintField(field, 1)
            }
        }
        for (index, location) in locations.enumerated() {
            writer.appendMessageField(Field.location, scratch: &scratch) { content in
                content.appendVarintField(Field.locationID, UInt64(index + 1))
                content.appendVarintField(Field.locationMappingID, Self.mappingID)
                if location.address != 0 { content.appendVarintField(Field.locationAddress, location.address) }
                for line in location.lines {
                    let lineNumber = UInt64(bitPattern: line.line)
                    content.appendLengthDelimitedHeader(Field.locationLine,
                                                        length: ProtobufWriter.varintFieldSize(Field.lineFunctionID, line.functionID)
                                                            + ProtobufWriter.varintFieldSize(Field.lineLine, lineNumber))
                    content.appendVarintField(Field.lineFunctionID, line.functionID)
                    content.appendVarintField(Field.lineLine, lineNumber)
                }
            }
        }
        for (index, function) in functions.enumerated() {
            writer.appendMessageField(Field.function, scratch: &scratch) { content in
                content.appendVarintField(Field.functionID, UInt64(index + 1))
                content.appendVarintField(Field.functionName, UInt64(function.name))
                if function.systemName != 0 { content.appendVarintField(Field.functionSystemName, UInt64(function.systemName)) }
                if function.filename != 0 { content.appendVarintField(Field.functionFilename, UInt64(function.filename)) }
            }
        }
        for text in strings {
            writer.appendStringField(Field.stringTable, text)
        }
        if timeNanos != 0 { writer.appendVarintField(Field.timeNanos, UInt64(bitPattern: timeNanos)) }
        if durationNanos != 0 { writer.appendVarintField(Field.durationNanos, UInt64(bitPattern: durationNanos)) }
        appendValueType(Field.periodType, periodType, to: &writer)
        if period != 0 { writer.appendVarintField(Field.period, UInt64(bitPattern: period)) }
        writer.appendPackedVarintField(Field.comment, comments.lazy.map { UInt64($0) })
        return writer.bytes
    }

    private func appendValueType(_ field: UInt64, _ value: (type: Int64, unit: Int64), to writer: inout ProtobufWriter) {
        let type = UInt64(value.type), unit = UInt64(value.unit)
        writer.appendLengthDelimitedHeader(field, length: ProtobufWriter.varintFieldSize(Field.valueTypeType, type)
                                               + ProtobufWriter.varintFieldSize(Field.valueTypeUnit, unit))
        writer.appendVarintField(Field.valueTypeType, type)
        writer.appendVarintField(Field.valueTypeUnit, unit)
    }
}
