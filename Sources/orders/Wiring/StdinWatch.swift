#if canImport(Glibc)
import Glibc
#endif

/// Ends the process gracefully when standard input closes: a test harness that holds the
/// other end of the pipe can then never leave a server running after it exits or crashes.
enum StdinWatch {
    static func terminateOnEndOfFile() {
        var thread = pthread_t()
        pthread_create(&thread, nil, { _ in
            var byte: UInt8 = 0
            while true {
                let n = read(STDIN_FILENO, &byte, 1)
                if n == 0 || (n < 0 && errno != EINTR) { break }
            }
            // The same path as `kill -TERM`: readiness false, drain, exit 0.
            kill(getpid(), SIGTERM)
            return nil
        }, nil)
        pthread_detach(thread)
    }
}
