#if canImport(Runtime)
import Runtime
#endif

/// A task's creation backtrace: captured as raw addresses at registration (behind
/// `captureBacktraces`), symbolicated only when someone renders it.
public final class TaskBacktrace: Sendable {
    #if canImport(Runtime)
    let backtrace: Backtrace
    let images: ImageMap

    init(backtrace: Backtrace, images: ImageMap) {
        self.backtrace = backtrace
        self.images = images
    }
    #endif

    /// The images loaded when the registry was made, captured once: capturing them per
    /// backtrace would read /proc/self/maps on every registration.
    ///
    /// A class: `ImageMap` is a resilient type, and an optional of it in the registry
    /// made every registration go through generic value witnesses, even with the flag off.
    final class Images: Sendable {
        #if canImport(Runtime)
        let map = ImageMap.capture()
        #endif
    }

    static func capture(images: Images) -> TaskBacktrace? {
        #if canImport(Runtime)
        // Skips this function and `register` itself.
        guard let backtrace = try? Backtrace.capture(limit: 32, offset: 2, top: 0, images: images.map) else {
            return nil
        }
        return TaskBacktrace(backtrace: backtrace, images: images.map)
        #else
        return nil
        #endif
    }

    /// One line per frame, symbolicated now (milliseconds: do it only when asked).
    public func symbolicatedFrames() -> [String] {
        #if canImport(Runtime)
        if let symbolicated = backtrace.symbolicated(with: images) {
            return symbolicated.frames.map { "\($0)" }
        }
        return backtrace.frames.map { "\($0)" }
        #else
        return []
        #endif
    }
}
