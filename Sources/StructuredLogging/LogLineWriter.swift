#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization

/// Writes log lines to a file descriptor from a thread of its own, so that whoever logs (an
/// event loop, above all) never waits on the descriptor: a full pipe or a slow terminal
/// stalls only this thread.
///
/// Lines queue in one buffer of at most `capacity` bytes. A line that does not fit is
/// dropped whole and counted (`droppedLines`): a line is never written in part, and memory
/// never grows without bound. The thread takes the whole buffer at a time and writes it with
/// as few `write` calls as the descriptor allows.
public final class LogLineWriter: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var spare: [UInt8] = []       // the buffer the thread wrote last, reused
        var dropped: UInt64 = 0
        var writing = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let descriptor: Int32
    private let capacity: Int
    private let onDrop: @Sendable () -> Void

    /// A writer to `descriptor` (standard error by default) holding at most `capacity` bytes
    /// of lines not yet written; `onDrop` runs for each line dropped (a metric's counter).
    /// Starts its thread.
    public init(descriptor: Int32 = 2, capacity: Int = 4 << 20, onDrop: @escaping @Sendable () -> Void = {}) {
        self.descriptor = descriptor
        self.capacity = capacity
        self.onDrop = onDrop
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let writer = Unmanaged<LogLineWriter>.fromOpaque(argument!).takeRetainedValue()
            writer.run()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }

    /// Queues one line (the caller ends it with a newline). Never blocks on the descriptor.
    public func write(_ line: [UInt8]) {
        let wasEmpty = state.withLock { state -> Bool? in
            guard state.pending.count + line.count <= capacity else {
                state.dropped += 1
                return nil
            }
            let wasEmpty = state.pending.isEmpty
            state.pending.append(contentsOf: line)
            return wasEmpty
        }
        switch wasEmpty {
        case true?: wake.signal()
        case false?: break
        case nil: onDrop()
        }
    }

    /// Lines dropped because the buffer was full.
    public var droppedLines: UInt64 { state.withLock { $0.dropped } }

    /// Waits until every queued line is written, or `milliseconds` passed. For shutdown.
    public func flush(milliseconds: Int = 1000) {
        for _ in 0..<max(1, milliseconds) {
            if state.withLock({ $0.pending.isEmpty && !$0.writing }) { return }
            usleep(1000)
        }
    }

    private func run() {
        while true {
            wake.wait()
            while true {
                var batch = state.withLock { state -> [UInt8] in
                    var batch = state.spare
                    state.spare = [] // the buffer must have one owner, or the next append copies it
                    swap(&batch, &state.pending)
                    state.writing = !batch.isEmpty
                    return batch
                }
                if batch.isEmpty { break }
                writeAll(batch)
                batch.removeAll(keepingCapacity: batch.capacity <= 64 << 10)
                state.withLock { state in
                    state.spare = batch
                    state.writing = false
                }
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && errno == EAGAIN {
                    // A non-blocking descriptor (the parent may have set it): this thread may wait.
                    var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, 1000)
                } else {
                    return // the descriptor is gone: nothing to write to
                }
            }
        }
    }
}
