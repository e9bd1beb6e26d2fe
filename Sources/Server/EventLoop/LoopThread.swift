#if canImport(Glibc)
import Glibc
#endif
import CEventShim

/// Starts the OS threads that run event loops. (Foundation's `Thread` is not needed for
/// a thread that only ever runs one C loop.)
enum LoopThread {
    private final class Box {
        let body: @Sendable () -> Void
        let name: String
        let nice: Int32
        init(body: @escaping @Sendable () -> Void, name: String, nice: Int32) {
            self.body = body
            self.name = name
            self.nice = nice
        }
    }

    /// - Parameter nice: the thread's nice value; above 0 it yields the CPU to normal threads.
    static func start(name: String, nice: Int32 = 0, body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body: body, name: name, nice: nice)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            es_thread_set_name(box.name)
            if box.nice != 0 { _ = es_thread_set_nice(box.nice) }
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}
