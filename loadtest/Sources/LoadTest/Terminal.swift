#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about the process's terminal.
public enum Terminal {
    /// Whether standard error is a terminal (live progress goes there only then).
    public static var standardErrorIsTerminal: Bool { isatty(2) == 1 }
}
