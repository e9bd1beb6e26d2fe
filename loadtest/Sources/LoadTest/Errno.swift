#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The calling thread's errno.
func errnoValue() -> Int32 { errno }

/// Whether standard error is a terminal (live progress goes there only then).
public func standardErrorIsTerminal() -> Bool { isatty(2) == 1 }
