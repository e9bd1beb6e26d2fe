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
        init(body: @escaping @Sendable () -> Void, name: String) {
            self.body = body
            self.name = name
        }
    }

    static func start(name: String, body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body: body, name: name)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            es_thread_set_name(box.name)
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}
