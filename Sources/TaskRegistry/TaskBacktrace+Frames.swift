#if canImport(Runtime)
import Runtime
#endif

extension TaskBacktrace {
    /// A function at a captured address, as symbolication found it.
    struct FrameFunction: Hashable {
        /// The demangled name, or the address in hex when no symbol covers it.
        var name: String
        /// The mangled name ("" when unknown).
        var rawName: String
        /// The source file's path ("" when the image has no line tables).
        var file: String
        var line: Int
    }

    /// One captured address and the functions at it: the innermost inlined one first, the
    /// function they were inlined into last (pprof's order for a location's lines).
    struct Frame: Hashable {
        var address: UInt64
        var functions: [FrameFunction]
    }

    /// The captured addresses, leaf first: equal lists mean equal stacks, so tasks can be
    /// grouped by backtrace without symbolicating each one.
    var addresses: [UInt64] {
        #if canImport(Runtime)
        var addresses: [UInt64] = []
        for frame in backtrace.frames {
            if let address = Self.address(of: frame) { addresses.append(address) }
        }
        return addresses
        #else
        return []
        #endif
    }

    /// The frames, symbolicated now (milliseconds: once per distinct backtrace, when asked).
    func symbolicatedFrameFunctions() -> [Frame] {
        #if canImport(Runtime)
        guard let symbolicated = backtrace.symbolicated(with: images) else {
            return addresses.map { Frame(address: $0, functions: [Self.unknownFunction(at: $0)]) }
        }
        var frames: [Frame] = []
        var inlined: [FrameFunction] = []
        var address: UInt64 = 0
        for frame in symbolicated.frames {
            guard let captured = Self.address(of: frame.captured) else { continue }
            address = captured
            var function = Self.unknownFunction(at: address)
            if let symbol = frame.symbol {
                function.name = symbol.name
                function.rawName = symbol.rawName
                if let location = symbol.sourceLocation {
                    function.file = location.path
                    function.line = location.line
                }
            }
            // Functions inlined at an address come first, then the function that holds them.
            inlined.append(function)
            if frame.inlined { continue }
            frames.append(Frame(address: address, functions: inlined))
            inlined.removeAll()
        }
        // A last inlined function whose holder was cut off still names a place.
        if !inlined.isEmpty { frames.append(Frame(address: address, functions: inlined)) }
        return frames
        #else
        return []
        #endif
    }

    #if canImport(Runtime)
    /// The address a frame was captured at; `nil` for the markers of omitted or cut frames.
    static func address(of frame: Backtrace.Frame) -> UInt64? {
        switch frame {
        case .programCounter(let address), .returnAddress(let address), .asyncResumePoint(let address):
            UInt64(address)
        default:
            nil
        }
    }
    #endif

    static func unknownFunction(at address: UInt64) -> FrameFunction {
        FrameFunction(name: "0x" + String(address, radix: 16), rawName: "", file: "", line: 0)
    }
}
