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
        let priority: ServerConfiguration.ThreadPriority
        init(body: @escaping @Sendable () -> Void, name: String, priority: ServerConfiguration.ThreadPriority) {
            self.body = body
            self.name = name
            self.priority = priority
        }
    }

    static func start(name: String, priority: ServerConfiguration.ThreadPriority = .normal,
                      body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body: body, name: name, priority: priority)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            es_thread_set_name(box.name)
            if box.priority == .background { _ = es_thread_set_idle_policy() }
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}
